"""Time and peak memory of one training iteration (forward, backward,
optimizer step) of the baseline student, PointMCD with cached knowledge
and PointMCD with the online teacher, side by side in one run.

    python tools/benchmark_train_step.py [--student dgcnn|pointnet|pointnet2]
        [--batch-size 24] [--points 1024] [--views 12] [--image-size 224]
        [--iters 5] [--device cpu|cuda]

Models are the ModelNet40 configs' (DGCNN or PointNet student with VAFP
1024 -> 512, or mmdet3d's PointNet++ with VAFP 256 -> 512 at its 128
anchors; the MobileNetV2 teacher; randomly initialised: weights do not
change the cost); inputs are random batches of the given sizes, so the
numbers are the model's cost alone (the data pipeline's is measured by
tools/benchmark_pipeline.py). Memory: the peak above the level after a
warm-up step (model, batch, optimizer state, reusable buffers), on CUDA as
allocated, on CPU as resident memory (``PeakMemory`` of
tools/benchmark_vafp.py).
"""
import argparse
import copy
import tempfile
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from tools.benchmark_vafp import PeakMemory  # noqa: E402

CONFIGS = dict(dgcnn='configs/pointmcd_dgcnn_modelnet40.py',
               pointnet='configs/pointmcd_pointnet_modelnet40.py',
               pointnet2='configs/pointmcd_pointnet2_modelnet40.py')
TEACHER = 'configs/teacher_mobilenetv2_modelnet40.py'


def batch(args, views: bool, cached: bool):
    gen = torch.Generator().manual_seed(0)
    samples = []
    for i in range(args.batch_size):
        s = DataSample().set_gt_label(i % 40)
        s.visibility = torch.rand(args.points, args.views, generator=gen) > .5
        if cached:
            s.teacher_descriptors = torch.rand(args.views, 512, generator=gen)
        samples.append(s)
    inputs = dict(points=[torch.randn(args.points, 3, generator=gen)
                          for _ in range(args.batch_size)])
    if views:
        inputs['img'] = [torch.randint(
            0, 256, (args.views, 1, args.image_size, args.image_size),
            generator=gen, dtype=torch.uint8)
            for _ in range(args.batch_size)]
    return dict(inputs=inputs, data_samples=samples)


def build(kind: str, args, tmp_ckpt: str):
    from mmdet3d.registry import MODELS
    cfg = Config.fromfile(CONFIGS[args.student]).model
    if kind == 'baseline':
        return MODELS.build(cfg.student)
    if kind == 'online':
        cfg.teacher = copy.deepcopy(Config.fromfile(TEACHER).model)
        cfg.teacher.backbone.init_cfg = None  # no download
        cfg.teacher.head.num_classes = 40
        torch.save(dict(state_dict=MODELS.build(cfg.teacher).state_dict()),
                   tmp_ckpt)
        cfg.teacher_checkpoint = tmp_ckpt
    return MODELS.build(cfg)


def step_cost(model, data, args):
    """(ms per iteration, peak extra MiB)."""
    model.to(args.device).train()
    optim = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step():
        prepared = model.data_preprocessor(data, training=True)
        losses = model(**prepared, mode='loss')
        optim.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optim.step()
        if args.device == 'cuda':
            torch.cuda.synchronize()

    step()  # warm-up (allocations, cudnn / triton autotuning)
    with PeakMemory(torch.device(args.device)) as peak:
        start = time.perf_counter()
        for _ in range(args.iters):
            step()
        ms = 1000 * (time.perf_counter() - start) / args.iters
    return ms, peak.peak / 2**20


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--student', choices=sorted(CONFIGS), default='dgcnn')
    p.add_argument('--batch-size', type=int, default=24)
    p.add_argument('--points', type=int, default=1024)
    p.add_argument('--views', type=int, default=12)
    p.add_argument('--image-size', type=int, default=224)
    p.add_argument('--iters', type=int, default=5)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    args = p.parse_args()
    init_default_scope('mmdet3d')
    tmp = osp.join(tempfile.mkdtemp(), 'teacher.pth')
    print(f'{args.student} student, batch {args.batch_size}, {args.points} '
          f'points, {args.views} views at {args.image_size} px, '
          f'{args.device}, torch threads {torch.get_num_threads()}, '
          f'mean of {args.iters} iterations')
    print(f'{"setting":<28} {"ms / iter":>10} {"vs baseline":>11} '
          f'{"peak extra MiB":>15}')
    base_ms = None
    for kind, views, cached in (('baseline', False, False),
                                ('cached', False, True),
                                ('online', True, False)):
        model = build(kind, args, tmp)
        ms, extra = step_cost(model, batch(args, views, cached), args)
        base_ms = base_ms or ms
        label = dict(baseline='baseline student',
                     cached='PointMCD, cached knowledge',
                     online='PointMCD, online teacher')[kind]
        print(f'{label:<28} {ms:>10.1f} {ms / base_ms:>10.2f}x '
              f'{extra:>15.0f}')
        del model


if __name__ == '__main__':
    main()
