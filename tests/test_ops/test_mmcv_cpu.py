"""Importing the plugin lets mmcv's point ops, and mmdet3d's point modules
built on them, run on CPU tensors; it can be switched off and changes
nothing for CUDA tensors where mmcv's kernels run."""
import os
import subprocess
import sys

import pytest
import torch

import pointmcd_plugin  # noqa: F401  (installs the dispatchers)
from pointmcd_plugin.ops import mmcv_cpu
from pointmcd_plugin.ops.dispatch import mmcv_cuda_ops_available


def _backward_reaches(module, out):
    loss = sum(o.float().pow(2).mean() for o in out if o is not None)
    loss.backward()
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all()
                         for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_every_reference_is_rebound():
    import mmcv.ops
    from mmcv.ops import group_points, points_sampler
    from mmdet3d.models.layers.dgcnn_modules import dgcnn_gf_module
    from mmdet3d.models.layers.pointnet_modules import (point_fp_module,
                                                        point_sa_module)
    assert mmcv_cpu.torch_point_ops_enabled()
    for name in mmcv_cpu.MMCV_POINT_OPS:
        assert getattr(mmcv.ops, name).torch_op is not None
    for module, name in [(group_points, 'ball_query'),
                         (group_points, 'knn'),
                         (group_points, 'grouping_operation'),
                         (points_sampler, 'furthest_point_sample'),
                         (point_sa_module, 'gather_points'),
                         (point_fp_module, 'three_nn'),
                         (point_fp_module, 'three_interpolate'),
                         (dgcnn_gf_module, 'grouping_operation')]:
        assert hasattr(getattr(module, name), 'mmcv_op'), (module, name)


def test_disable_restores_mmcv_everywhere():
    import mmcv.ops
    from mmcv.ops.ball_query import BallQuery
    from mmcv.ops.group_points import QueryAndGroup
    from mmdet3d.models.layers.pointnet_modules import point_fp_module
    xyz = torch.rand(1, 16, 3)
    try:
        mmcv_cpu.disable_torch_point_ops()
        assert mmcv.ops.ball_query == BallQuery.apply
        assert not hasattr(point_fp_module.three_nn, 'mmcv_op')
        with pytest.raises(RuntimeError, match='device cpu not found'):
            QueryAndGroup(0.5, 4)(xyz, xyz)
    finally:
        mmcv_cpu.enable_torch_point_ops()
    assert QueryAndGroup(0.5, 4)(xyz, xyz).shape == (1, 3, 16, 4)


def test_environment_variable_switches_it_off():
    code = ('import pointmcd_plugin, mmcv.ops\n'
            'from mmcv.ops.knn import KNN\n'
            'assert mmcv.ops.knn == KNN.apply\n'
            'from pointmcd_plugin.ops import torch_point_ops_enabled\n'
            'assert not torch_point_ops_enabled()\n')
    env = dict(os.environ, POINTMCD_TORCH_POINT_OPS='0')
    subprocess.run([sys.executable, '-c', code], check=True, env=env)


def test_kernel_probe_asks_mmcv_not_the_dispatcher():
    # With the dispatchers installed, mmcv.ops.knn answers on CPU through
    # torch; the probe must still see that mmcv's own kernel does not.
    from pointmcd_plugin.ops.dispatch import _probe_knn
    import mmcv.ops
    assert mmcv.ops.knn(1, torch.zeros(1, 1, 3)).tolist() == [[[0]]]
    assert _probe_knn(torch.device('cpu')) is not None


def test_cpu_calls_take_the_torch_path(monkeypatch):
    import mmcv.ops
    from pointmcd_plugin.ops import torch_point_ops
    called = []
    monkeypatch.setattr(torch_point_ops, 'ball_query',
                        lambda *a: called.append(a))
    xyz = torch.rand(1, 64, 3)
    mmcv.ops.ball_query(0., 0.3, 8, xyz, xyz)
    assert len(called) == 1


@pytest.mark.skipif(not mmcv_cuda_ops_available(),
                    reason="needs a GPU where mmcv's CUDA point ops run")
def test_cuda_tensors_keep_mmcv_kernels(monkeypatch):
    import mmcv.ops
    from pointmcd_plugin.ops import torch_point_ops
    called = []
    for name in ('ball_query', 'knn'):
        monkeypatch.setattr(torch_point_ops, name,
                            lambda *a, n=name: called.append(n))
    xyz = torch.rand(1, 64, 3, device='cuda')
    assert mmcv.ops.ball_query(0., 0.3, 8, xyz, xyz).is_cuda
    assert mmcv.ops.knn(4, xyz, xyz, False).is_cuda
    assert not called
    # Except knn on more than 3 channels, which mmcv's kernel gets wrong.
    feats = torch.rand(1, 64, 16, device='cuda')
    mmcv.ops.knn(4, feats, feats, False)
    assert called == ['knn']


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
