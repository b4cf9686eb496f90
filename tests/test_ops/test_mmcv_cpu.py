"""Importing the plugin lets mmcv's point ops, and mmdet3d's point modules
built on them, run on CPU tensors: it replaces ``forward`` (and for the
differentiable ops ``backward``) of mmcv's autograd Functions, so every
reference to the ops, made before or after the import, takes the CPU path,
and mmcv's functions (and modules holding them) still pickle. It can be
switched off, restoring mmcv's very objects, and changes nothing for CUDA
tensors where mmcv's kernels run."""
import importlib
import pickle
import textwrap

import pytest
import torch

import pointmcd_plugin  # noqa: F401  (patches mmcv's Functions)
from pointmcd_plugin.ops import mmcv_cpu
from pointmcd_plugin.ops import torch_point_ops as T
from pointmcd_plugin.ops.dispatch import mmcv_cuda_ops_available

_DIFFERENTIABLE = ('grouping_operation', 'gather_points', 'three_interpolate')


def _backward_reaches(module, out):
    loss = sum(o.float().pow(2).mean() for o in out if o is not None)
    loss.backward()
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all()
                         for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.fixture
def spy(monkeypatch):
    """Record the calls of torch_point_ops' functions (still running
    them)."""
    calls = []

    def watch(*names):
        for name in names:
            real = getattr(T, name)

            def op(*a, _real=real, _name=name, **kw):
                calls.append(_name)
                return _real(*a, **kw)

            monkeypatch.setattr(T, name, op)
        return calls

    return watch


@pytest.fixture
def restore_plugin():
    """Leave the plugin enabled whatever a test switches."""
    yield
    mmcv_cpu.enable_torch_point_ops()


def _mmcv_attr(cls, attr):
    return cls.__dict__[attr]


def test_mmcv_functions_patched_in_place_functions_untouched():
    import mmcv.ops
    assert mmcv_cpu.torch_point_ops_enabled()
    classes = mmcv_cpu.mmcv_function_classes()
    assert len(classes) == 8
    for name, cls in classes.items():
        fwd = _mmcv_attr(cls, 'forward')
        assert isinstance(fwd, staticmethod)
        assert hasattr(fwd.__func__, '_pointmcd_mmcv_original'), name
        assert hasattr(_mmcv_attr(cls, 'backward').__func__,
                       '_pointmcd_mmcv_original') == \
            (name in _DIFFERENTIABLE), name
        # mmcv's op is still mmcv's own function: ``<Function>.apply``.
        assert getattr(mmcv.ops, name) == cls.apply
        module = importlib.import_module(mmcv_cpu.MMCV_POINT_OPS[name])
        assert getattr(module, name) == cls.apply


def test_references_made_after_the_plugin(tmp_path, monkeypatch, spy):
    """A module imported after the plugin that binds and calls mmcv's
    Functions itself: module global, class attribute, default argument,
    closure, direct ``Function.apply``."""
    (tmp_path / 'late_point_user.py').write_text(textwrap.dedent('''
        from mmcv.ops.ball_query import BallQuery
        from mmcv.ops.furthest_point_sample import FurthestPointSampling
        from mmcv.ops.knn import KNN

        BALL = BallQuery.apply

        class Holder:
            fps = FurthestPointSampling.apply

        def with_default(xyz, op=KNN.apply):
            return op(4, xyz, xyz, False)

        def make_closure():
            ball = BallQuery.apply
            return lambda xyz: ball(0., 0.3, 8, xyz, xyz)

        def direct(xyz):
            return FurthestPointSampling.apply(xyz, 16)
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    user = importlib.import_module('late_point_user')
    calls = spy('ball_query', 'furthest_point_sample', 'knn')
    xyz = torch.rand(2, 64, 3)
    ball = T.ball_query(0., 0.3, 8, xyz, xyz)
    fps = T.furthest_point_sample(xyz, 16)
    calls.clear()
    assert torch.equal(user.BALL(0., 0.3, 8, xyz, xyz), ball)
    assert torch.equal(user.Holder.fps(xyz, 16), fps)
    assert torch.equal(user.with_default(xyz), T.knn(4, xyz, xyz, False))
    assert torch.equal(user.make_closure()(xyz), ball)
    assert torch.equal(user.direct(xyz), fps)
    assert calls == ['ball_query', 'furthest_point_sample', 'knn',
                     'knn', 'ball_query', 'furthest_point_sample']


def test_references_bound_before_the_plugin(restore_plugin):
    """``X = BallQuery.apply`` bound while mmcv was unpatched (what a module
    imported before the plugin holds) takes the CPU path once it is
    enabled, without a subprocess: disabling puts mmcv back as before the
    import."""
    mmcv_cpu.disable_torch_point_ops()
    from mmcv.ops import ball_query as early_ball_query
    from mmcv.ops.ball_query import BallQuery
    from mmcv.ops.furthest_point_sample import FurthestPointSampling
    early_apply = BallQuery.apply

    def early_default(xyz, fps=FurthestPointSampling.apply):
        return fps(xyz, 8)

    xyz = torch.rand(1, 32, 3)
    with pytest.raises(RuntimeError, match='device cpu not found'):
        early_apply(0., 0.3, 4, xyz, xyz)
    with pytest.raises(Exception):  # mmcv allocates torch.cuda tensors
        early_default(xyz)
    mmcv_cpu.enable_torch_point_ops()
    ref = T.ball_query(0., 0.3, 4, xyz, xyz)
    assert torch.equal(early_apply(0., 0.3, 4, xyz, xyz), ref)
    assert torch.equal(early_ball_query(0., 0.3, 4, xyz, xyz), ref)
    assert torch.equal(early_default(xyz), T.furthest_point_sample(xyz, 8))


def test_mmcv_ops_and_modules_pickle():
    import mmcv.ops
    from mmcv.ops import QueryAndGroup
    from mmcv.ops.ball_query import BallQuery
    for name in mmcv_cpu.MMCV_FUNCTIONS:
        fn = getattr(mmcv.ops, name)
        assert pickle.loads(pickle.dumps(fn)) == fn
    assert pickle.loads(pickle.dumps(BallQuery.forward)) is BallQuery.forward
    for name, fn in mmcv_cpu.mmcv_point_ops().items():
        data = pickle.dumps(fn)
        # As in a fresh process: the class is made again on unpickling.
        shadow = fn.__self__.__qualname__
        del vars(mmcv_cpu)[shadow], mmcv_cpu._MMCV_ONLY[name]
        again = pickle.loads(data)
        assert again.__self__.__qualname__ == shadow
        assert again.__self__.__dict__['forward'] is \
            fn.__self__.__dict__['forward']
    torch.manual_seed(0)
    xyz, feats = torch.rand(2, 64, 3), torch.rand(2, 5, 64)
    for grouper in (QueryAndGroup(0.4, 8), QueryAndGroup(None, 8)):
        clone = pickle.loads(pickle.dumps(grouper))
        assert torch.equal(clone(xyz, xyz[:, :16].contiguous(), feats),
                           grouper(xyz, xyz[:, :16].contiguous(), feats))


def test_point_module_torch_save_round_trip(tmp_path):
    from mmdet3d.models.layers import PointSAModule
    torch.manual_seed(0)
    sa = PointSAModule(num_point=16, radius=0.4, num_sample=8,
                       mlp_channels=[5, 16]).eval()
    xyz, feats = torch.rand(2, 64, 3), torch.rand(2, 5, 64)
    torch.save(sa, tmp_path / 'sa.pth')
    clone = torch.load(tmp_path / 'sa.pth', weights_only=False)
    for a, b in zip(clone(xyz, feats), sa(xyz, feats)):
        assert torch.equal(a, b)


def _pristine_mmcv_code(cls, attr):
    """The code object of ``cls.attr`` compiled afresh from mmcv's source
    file (not taken from the imported, possibly patched, class)."""
    path = importlib.import_module(cls.__module__).__file__
    with open(path) as f:
        module_code = compile(f.read(), path, 'exec')

    def find(code, name):
        return next(c for c in code.co_consts
                    if hasattr(c, 'co_name') and c.co_name == name)

    return find(find(module_code, cls.__name__), attr)


def test_disable_enable_round_trip_restores_mmcv_exactly(restore_plugin):
    from mmcv.ops import QueryAndGroup
    classes = mmcv_cpu.mmcv_function_classes()
    attrs = {name: ('forward', 'backward') for name in classes}
    patched = {(n, a): _mmcv_attr(cls, a)
               for n, cls in classes.items() for a in attrs[n]}
    xyz = torch.rand(1, 16, 3)
    mmcv_cpu.disable_torch_point_ops()
    assert not mmcv_cpu.torch_point_ops_enabled()
    originals = {(n, a): _mmcv_attr(cls, a)
                 for n, cls in classes.items() for a in attrs[n]}
    for (name, attr), orig in originals.items():
        cls = classes[name]
        func = orig.__func__
        assert not hasattr(func, '_pointmcd_mmcv_original')
        assert func.__qualname__ == f'{cls.__name__}.{attr}'
        pristine = _pristine_mmcv_code(cls, attr)
        assert func.__code__.co_filename == pristine.co_filename
        assert func.__code__.co_code == pristine.co_code
        was = patched[(name, attr)].__func__
        # What the plugin had replaced is exactly this object.
        assert getattr(was, '_pointmcd_mmcv_original', orig) is orig
    with pytest.raises(RuntimeError, match='device cpu not found'):
        QueryAndGroup(0.5, 4)(xyz, xyz)
    mmcv_cpu.disable_torch_point_ops()  # idempotent
    mmcv_cpu.enable_torch_point_ops()
    mmcv_cpu.enable_torch_point_ops()  # idempotent: no double wrapping
    for (name, attr), orig in originals.items():
        now = _mmcv_attr(classes[name], attr)
        if attr == 'backward' and name not in _DIFFERENTIABLE:
            assert now is orig
        else:
            assert now is not orig
            assert now.__func__._pointmcd_mmcv_original is orig
    assert QueryAndGroup(0.5, 4)(xyz, xyz).shape == (1, 3, 16, 4)
    mmcv_cpu.disable_torch_point_ops()
    for (name, attr), orig in originals.items():
        assert _mmcv_attr(classes[name], attr) is orig


def test_environment_variable_switches_it_off(monkeypatch, restore_plugin):
    import mmcv.ops
    from mmcv.ops.knn import KNN
    mmcv_cpu.disable_torch_point_ops()
    monkeypatch.setenv(mmcv_cpu.ENV_VAR, '0')
    importlib.reload(pointmcd_plugin)  # the import reads the variable
    assert not mmcv_cpu.torch_point_ops_enabled()
    assert not hasattr(KNN.forward, '_pointmcd_mmcv_original')
    with pytest.raises(Exception):
        mmcv.ops.knn(1, torch.zeros(1, 1, 3))
    monkeypatch.setenv(mmcv_cpu.ENV_VAR, '1')
    importlib.reload(pointmcd_plugin)
    assert mmcv_cpu.torch_point_ops_enabled()
    assert mmcv.ops.knn(1, torch.zeros(1, 1, 3)).tolist() == [[[0]]]


def test_kernel_probe_runs_mmcvs_own_forward(monkeypatch):
    # With the plugin enabled, KNN.apply answers on CPU through torch; the
    # probe must still see that mmcv's own kernel does not, and must not go
    # through the dispatcher (which asks the probe: recursion).
    import mmcv.ops
    from pointmcd_plugin.ops import dispatch
    asked = []
    real = mmcv_cpu.takes_mmcv_path
    monkeypatch.setattr(mmcv_cpu, 'takes_mmcv_path',
                        lambda *a: asked.append(a) or real(*a))
    assert mmcv.ops.knn(1, torch.zeros(1, 1, 3)).tolist() == [[[0]]]
    assert len(asked) == 1
    asked.clear()
    assert dispatch._probe_knn(torch.device('cpu')) is not None
    assert not asked


def test_cpu_calls_take_the_torch_path(spy):
    import mmcv.ops
    calls = spy('ball_query', 'grouping_operation', 'three_nn')
    xyz = torch.rand(1, 64, 3)
    idx = mmcv.ops.ball_query(0., 0.3, 8, xyz, xyz)
    mmcv.ops.grouping_operation(xyz.transpose(1, 2).contiguous(), idx)
    dist, tri = mmcv.ops.three_nn(xyz, xyz[:, :8].contiguous())
    assert calls == ['ball_query', 'grouping_operation', 'three_nn']
    assert not idx.requires_grad and tri.dtype == torch.int32


def test_cpu_gradients_through_mmcvs_functions():
    """The patched backward: gradcheck (double) of mmcv's Functions on CPU,
    dense and stacked."""
    import mmcv.ops
    g = torch.Generator().manual_seed(8)
    feats = torch.randn(2, 3, 10, dtype=torch.double, generator=g,
                        requires_grad=True)
    gi = torch.randint(0, 10, (2, 4, 3), generator=g, dtype=torch.int32)
    pi = torch.randint(0, 10, (2, 5), generator=g, dtype=torch.int32)
    ti = torch.randint(0, 10, (2, 6, 3), generator=g, dtype=torch.int32)
    w = torch.rand(2, 6, 3, dtype=torch.double, generator=g)
    assert torch.autograd.gradcheck(
        lambda f: mmcv.ops.grouping_operation(f, gi), (feats, ))
    assert torch.autograd.gradcheck(
        lambda f: mmcv.ops.gather_points(f, pi), (feats, ))
    assert torch.autograd.gradcheck(
        lambda f: mmcv.ops.three_interpolate(f, ti, w), (feats, ))
    sf = torch.randn(9, 4, dtype=torch.double, generator=g,
                     requires_grad=True)
    si = torch.tensor([[0, 1, 1], [2, 0, 2], [0, 3, 4], [5, 5, 0]],
                      dtype=torch.int32)
    f_cnt = torch.tensor([3, 6], dtype=torch.int32)
    i_cnt = torch.tensor([2, 2], dtype=torch.int32)
    assert torch.autograd.gradcheck(
        lambda f: mmcv.ops.grouping_operation(f, si, f_cnt, i_cnt), (sf, ))
    out = mmcv.ops.grouping_operation(sf, si, f_cnt, i_cnt)
    assert out.grad_fn is not None and out.shape == (4, 4, 3)


@pytest.mark.skipif(not mmcv_cuda_ops_available(),
                    reason="needs a GPU where mmcv's CUDA point ops run")
def test_cuda_tensors_keep_mmcv_kernels(spy):
    import mmcv.ops
    calls = spy(*mmcv_cpu.MMCV_FUNCTIONS)
    torch.manual_seed(0)
    xyz = torch.rand(2, 64, 3, device='cuda')
    feats = torch.rand(2, 8, 64, device='cuda', requires_grad=True)
    idx = mmcv.ops.ball_query(0., 0.3, 8, xyz, xyz)
    assert idx.is_cuda
    assert mmcv.ops.knn(4, xyz, xyz, False).is_cuda
    fps = mmcv.ops.furthest_point_sample(xyz, 16)
    grouped = mmcv.ops.grouping_operation(feats, idx)
    gathered = mmcv.ops.gather_points(feats, fps)
    _, tri = mmcv.ops.three_nn(xyz, xyz[:, :16].contiguous())
    interp = mmcv.ops.three_interpolate(
        feats[:, :, :16].contiguous(), tri,
        torch.full(tri.shape, 1 / 3, device='cuda'))
    (grouped.sum() + gathered.sum() + interp.sum()).backward()
    assert feats.grad is not None and not calls
    # Except knn on more than 3 channels, which mmcv's kernel gets wrong.
    f16 = torch.rand(1, 64, 16, device='cuda')
    mmcv.ops.knn(4, f16, f16, False)
    assert calls == ['knn']


def test_pointnet2_sa_ssg_forward_backward_on_cpu():
    from mmdet3d.models.backbones import PointNet2SASSG
    torch.manual_seed(0)
    net = PointNet2SASSG(
        in_channels=6, num_points=(64, 16), radius=(0.3, 0.6),
        num_samples=(8, 8), sa_channels=((16, 32), (32, 64)),
        fp_channels=((32, ), ), norm_cfg=dict(type='BN2d'))
    points = torch.rand(2, 256, 6)
    out = net(points)
    assert out['sa_features'][-1].shape == (2, 64, 16)
    assert out['fp_features'][-1].shape == (2, 32, 64)
    # Indices point into the input cloud: the anchors' coordinates.
    idx = out['sa_indices'][-1].long()
    torch.testing.assert_close(
        out['sa_xyz'][-1], points[..., :3].gather(
            1, idx[..., None].expand(-1, -1, 3)))
    _backward_reaches(net, out['fp_features'][-1:])


def test_pointnet2_sa_msg_forward_backward_on_cpu():
    from mmdet3d.models.backbones import PointNet2SAMSG
    torch.manual_seed(0)
    net = PointNet2SAMSG(
        in_channels=4, num_points=(64, 32), radii=((0.2, 0.4), (0.4, 0.8)),
        num_samples=((8, 8), (8, 8)),
        sa_channels=(((16, ), (16, )), ((32, ), (32, ))),
        aggregation_channels=(32, 64),
        fps_mods=(('D-FPS'), ('FS')), fps_sample_range_lists=((-1), (-1)),
        dilated_group=(True, True), out_indices=(1, ),
        norm_cfg=dict(type='BN2d'),
        sa_cfg=dict(type='PointSAModuleMSG', pool_mod='max', use_xyz=True,
                    normalize_xyz=False))
    out = net(torch.rand(2, 256, 4))
    assert out['sa_features'][-1].shape == (2, 64, 64)  # FS: 2 x 32
    _backward_reaches(net, out['sa_features'][-1:])


def test_point_sa_and_fp_modules_on_cpu():
    from mmdet3d.models.layers import PointFPModule, PointSAModule
    torch.manual_seed(0)
    xyz, feats = torch.rand(2, 128, 3), torch.rand(2, 8, 128)
    sa = PointSAModule(num_point=32, radius=0.4, num_sample=16,
                       mlp_channels=[8, 16, 32])
    new_xyz, new_feats, idx = sa(xyz, feats)
    assert new_xyz.shape == (2, 32, 3) and new_feats.shape == (2, 32, 32)
    assert (idx[:, 0] == 0).all()  # furthest point sampling starts at 0
    glob = PointSAModule(num_point=None, radius=None, num_sample=None,
                         mlp_channels=[32, 64])(new_xyz, new_feats)
    assert glob[1].shape == (2, 64, 1)
    fp = PointFPModule(mlp_channels=[32 + 8, 16])
    up = fp(xyz, new_xyz, feats, new_feats)
    assert up.shape == (2, 16, 128)
    _backward_reaches(torch.nn.ModuleList([sa, fp]), [up, glob[1]])


def test_dgcnn_backbone_forward_backward_on_cpu():
    from mmdet3d.models.backbones import DGCNNBackbone
    torch.manual_seed(0)
    net = DGCNNBackbone(in_channels=6, num_samples=(8, 8, 8),
                        knn_modes=('D-KNN', 'F-KNN', 'F-KNN'),
                        radius=(None, None, None),
                        gf_channels=((16, 16), (16, 16), (16, )),
                        fa_channels=(32, ), act_cfg=dict(type='ReLU'))
    out = net(torch.rand(2, 96, 6))
    assert out['fa_points'].shape == (2, 96, 32 + 48)
    _backward_reaches(net, [out['fa_points']])
