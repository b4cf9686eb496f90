"""Time and peak memory of one training iteration (forward, backward,
optimizer step) of the baseline student, PointMCD with cached knowledge
and PointMCD with the online teacher, side by side in one run, and one
training iteration of the teacher itself (stage 1 of the recipe) at its
config's batch.

    python tools/benchmark_train_step.py [--task cls|partseg|unsup]
        [--student dgcnn|pointnet|pointnet2|foldingnet] [--batch-size N]
        [--points N] [--views K] [--image-size S] [--iters 5]
        [--device cpu|cuda]

Classification (``--task cls``, the default): the ModelNet40 configs'
models (DGCNN or PointNet student with VAFP 1024 -> 512, or mmdet3d's
PointNet++ with VAFP 256 -> 512 at its 128 anchors; the MobileNetV2
teacher), by default at their settings: batch 24, 1024 points, 12 views
at 224 px. Part segmentation (``--task partseg``): the ShapeNetPart
configs' part segmentors (pointmcd_*_shapenetpart.py: DGCNN or PointNet
with VAFP 1024 -> 512, PointNet++ with VAFP 256 -> 512 at its 128
anchors; the VGG11-bn + U-Net part-segmentation teacher, of which the
distiller runs the backbone only), by default at their settings: batch
32, 2048 points, 16 views at 224 px. Unsupervised (``--task unsup``,
``--student foldingnet``): the ShapeNetCore FoldingNet auto-encoder
(pointmcd_foldingnet_shapenetcore.py: VAFP 1024 -> 512 over the encoder's
per-point features, the Chamfer loss against the 2025 folded points; the
VGG11-bn image auto-encoder teacher, of which the distiller runs the
encoder only), by default at its settings: batch 16, 2048 points, 16 views
at 224 px. Shrink ``--batch-size`` / ``--points`` / ``--image-size`` on a
CPU. The teacher row trains the task's teacher config (MobileNetV2 on 12
views for cls, the VGG11-bn + U-Net part teacher on 16 labelled views for
partseg, the VGG11-bn image auto-encoder on 16 views for unsup) at its
train_dataloader's batch of shapes (``--teacher-batch-size`` to change it),
``--image-size`` views; its ratio is not given, its batch being another.
Models are randomly initialised
(weights do not change the cost); inputs are random batches of the given
sizes, so the numbers are the model's cost alone (the data pipeline's is
measured by tools/benchmark_pipeline.py). Memory: the peak above the
level after a warm-up step (model, batch, optimizer state, reusable
buffers), on CUDA as allocated, on CPU as resident memory
(``PeakMemory`` of tools/benchmark_vafp.py).
"""
import argparse
import copy
import tempfile
import os.path as osp
import sys
import time
from typing import Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from tools.cpu_env import use_huge_pages  # noqa: E402

use_huge_pages()  # before torch is imported

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from tools.benchmark_vafp import PeakMemory  # noqa: E402

CONFIGS = dict(
    cls=dict(dgcnn='configs/pointmcd_dgcnn_modelnet40.py',
             pointnet='configs/pointmcd_pointnet_modelnet40.py',
             pointnet2='configs/pointmcd_pointnet2_modelnet40.py'),
    partseg=dict(dgcnn='configs/pointmcd_dgcnn_shapenetpart.py',
                 pointnet='configs/pointmcd_pointnet_shapenetpart.py',
                 pointnet2='configs/pointmcd_pointnet2_shapenetpart.py'),
    unsup=dict(foldingnet='configs/pointmcd_foldingnet_shapenetcore.py'))
TEACHERS = dict(cls='configs/teacher_mobilenetv2_modelnet40.py',
                partseg='configs/teacher_vgg11_shapenetpart.py',
                unsup='configs/teacher_vgg11_shapenetcore.py')
# Per task: the configs' batch size, points, views and view size.
DEFAULTS = dict(cls=dict(batch_size=24, points=1024, views=12,
                         image_size=224),
                partseg=dict(batch_size=32, points=2048, views=16,
                             image_size=224),
                unsup=dict(batch_size=16, points=2048, views=16,
                           image_size=224))
STUDENTS = sorted({name for task in CONFIGS.values() for name in task})
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def student_samples(args, gen: torch.Generator) -> list:
    """The data samples the student's packer makes: mmpretrain
    ``DataSample`` with a class label (classification), without one
    (the auto-encoder, which reads no label), mmdet3d
    ``Det3DDataSample`` with per-point part labels and the category and
    its part ids in metainfo (part segmentation, ShapeNetPart's 16
    categories and 50 parts)."""
    if args.task == 'cls':
        return [DataSample().set_gt_label(i % 40)
                for i in range(args.batch_size)]
    if args.task == 'unsup':
        return [DataSample() for _ in range(args.batch_size)]
    from mmdet3d.structures import Det3DDataSample, PointData

    from pointmcd_plugin.datasets.shapenet_part import SHAPENETPART_PART_IDS
    categories = list(SHAPENETPART_PART_IDS.values())
    samples = []
    for i in range(args.batch_size):
        parts = categories[i % len(categories)]
        s = Det3DDataSample(metainfo=dict(category=i % len(categories),
                                          part_ids=parts))
        labels = torch.as_tensor(parts)[torch.randint(
            len(parts), (args.points, ), generator=gen)]
        s.gt_pts_seg = PointData(pts_semantic_mask=labels)
        samples.append(s)
    return samples


def batch(args, views: bool, cached: bool, dim: int):
    """A random batch of the task's samples, with visibility (N, K) and,
    for ``cached``, (K, dim) teacher descriptors; ``views``: K grey views
    for the online teacher."""
    gen = torch.Generator().manual_seed(0)
    samples = student_samples(args, gen)
    for s in samples:
        s.visibility = torch.rand(args.points, args.views, generator=gen) > .5
        if cached:
            s.teacher_descriptors = torch.rand(args.views, dim, generator=gen)
    inputs = dict(points=[torch.randn(args.points, 3, generator=gen)
                          for _ in range(args.batch_size)])
    if views:
        inputs['img'] = [torch.randint(
            0, 256, (args.views, 1, args.image_size, args.image_size),
            generator=gen, dtype=torch.uint8)
            for _ in range(args.batch_size)]
    return dict(inputs=inputs, data_samples=samples)


def teacher_model(task: str, teacher_file: Optional[Config] = None):
    """The task's teacher config (the ``model`` of its config file,
    ``teacher_file`` when already loaded) and the model it builds, without
    a download."""
    from mmdet3d.registry import MODELS
    if teacher_file is None:
        teacher_file = Config.fromfile(osp.join(ROOT, TEACHERS[task]))
    cfg = copy.deepcopy(teacher_file.model)
    cfg.backbone.init_cfg = None  # no download
    if task == 'cls':
        cfg.head.num_classes = 40
    return cfg, MODELS.build(cfg)


def teacher_batch(args, batch_size: int, teacher_cfg: Config):
    """A random training batch of the teacher (``teacher_cfg``: its model
    config): K grey views per shape and what its loss reads (a class
    label; per-pixel part labels of the shape's category, background
    included; nothing for the auto-encoder).
    """
    from pointmcd_plugin.models.teachers.partseg_teacher import LABEL_FIELD
    gen = torch.Generator().manual_seed(0)
    shape_args = copy.copy(args)
    shape_args.batch_size = batch_size
    samples = student_samples(shape_args, gen)
    size = (args.views, args.image_size, args.image_size)
    if args.task == 'partseg':
        background = teacher_cfg.head.num_parts  # the label after the parts
        for s in samples:
            ids = torch.as_tensor(list(s.metainfo['part_ids']) +
                                  [background])
            s.set_field(ids[torch.randint(len(ids), size, generator=gen)],
                        LABEL_FIELD)
    img = [torch.randint(0, 256, (args.views, 1) + size[1:], generator=gen,
                         dtype=torch.uint8) for _ in range(batch_size)]
    return dict(inputs=dict(img=img), data_samples=samples)


def build(kind: str, args, tmp_ckpt: str):
    """The baseline student, or the distiller around it (cached knowledge
    or the online teacher, saved once at random weights and loaded)."""
    from mmdet3d.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[args.task][args.student]))
    cfg = cfg.model
    if kind == 'baseline':
        return MODELS.build(cfg.student)
    if kind == 'online':
        teacher, model = teacher_model(args.task)
        cfg.teacher = copy.deepcopy(teacher)
        torch.save(dict(state_dict=model.state_dict()), tmp_ckpt)
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
    p.add_argument('--task', choices=sorted(CONFIGS), default='cls')
    p.add_argument('--student', choices=STUDENTS,
                   help='default: dgcnn (foldingnet for --task unsup)')
    p.add_argument('--batch-size', type=int,
                   help='default: the configs\' (cls 24, partseg 32, '
                   'unsup 16)')
    p.add_argument('--points', type=int,
                   help='default: cls 1024, partseg and unsup 2048')
    p.add_argument('--views', type=int,
                   help='default: cls 12, partseg and unsup 16')
    p.add_argument('--image-size', type=int, help='default: 224')
    p.add_argument('--teacher-batch-size', type=int,
                   help="default: the teacher config's (cls 48, partseg 2, "
                   'unsup 3 shapes)')
    p.add_argument('--iters', type=int, default=5)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    args = p.parse_args()
    if args.student is None:
        args.student = next(iter(CONFIGS[args.task]))
    if args.student not in CONFIGS[args.task]:
        p.error(f'--task {args.task} has the students '
                f'{sorted(CONFIGS[args.task])}, not {args.student!r}')
    for key, value in DEFAULTS[args.task].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    init_default_scope('mmdet3d')
    tmp = osp.join(tempfile.mkdtemp(), 'teacher.pth')
    dim = Config.fromfile(osp.join(ROOT, CONFIGS[args.task][args.student])
                          ).model.vafp.out_channels
    print(f'{args.task} {args.student} student, batch {args.batch_size}, '
          f'{args.points} points, {args.views} views at {args.image_size} '
          f'px, {args.device}, torch threads {torch.get_num_threads()}, '
          f'mean of {args.iters} iterations')
    print(f'{"setting":<28} {"ms / iter":>10} {"vs baseline":>11} '
          f'{"peak extra MiB":>15}')
    base_ms = None
    for kind, views, cached in (('baseline', False, False),
                                ('cached', False, True),
                                ('online', True, False)):
        model = build(kind, args, tmp)
        ms, extra = step_cost(model, batch(args, views, cached, dim), args)
        base_ms = base_ms or ms
        label = dict(baseline='baseline student',
                     cached='PointMCD, cached knowledge',
                     online='PointMCD, online teacher')[kind]
        print(f'{label:<28} {ms:>10.1f} {ms / base_ms:>10.2f}x '
              f'{extra:>15.0f}')
        del model
    teacher_file = Config.fromfile(osp.join(ROOT, TEACHERS[args.task]))
    teacher_bs = (args.teacher_batch_size
                  or teacher_file.train_dataloader.batch_size)
    teacher_cfg, model = teacher_model(args.task, teacher_file)
    ms, extra = step_cost(model, teacher_batch(args, teacher_bs, teacher_cfg),
                          args)
    label = f'teacher, batch {teacher_bs} shapes'
    print(f'{label:<28} {ms:>10.1f} {"-":>11} {extra:>15.0f}')


if __name__ == '__main__':
    main()
