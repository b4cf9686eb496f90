"""Export a trained image teacher's per-view descriptors of a dataset split
to one ``.npy`` (num_samples, K, D), with a manifest beside it.

Any teacher with ``extract_view_descriptors(img (B, K, C, H, W)) ->
(B, K, D)`` and a ``MultiViewImagePreprocessor`` exports: the
classification teacher (``MultiViewImageTeacher``, D = its descriptor
width), the part-segmentation teacher (``MultiViewPartSegTeacher``,
D = the width of its last backbone stage, 512 for VGG11-bn), whose
descriptors need the views only, not the category, and the label-free
auto-encoding teacher (``MultiViewAutoEncoderTeacher``, D = its pooled
(or projected) last stage, 512), whose pipeline packs the views alone
(``PackViewInputs``): nothing here reads a label.

    python tools/export_teacher_knowledge.py TEACHER_CONFIG CHECKPOINT \
        --split train --out work_dirs/teacher/knowledge_train.npy \
        [--batch-size 32] [--num-workers 2] [--cfg-options key=value ...]
    # the control "untrained teacher": the config's own initialisation
    python tools/export_teacher_knowledge.py TEACHER_CONFIG --untrained \
        [--seed 0] --split train --out ...

The samples are the teacher config's test dataset with ``split`` set to
``--split``, through its test pipeline (views rendered or loaded without
augmentation), in dataset order (row ``i`` is ``sample_idx`` ``i``). The
manifest (``<out>.json``, see ``pointmcd_plugin.datasets.knowledge``)
records every row's shape id, the teacher config digest, the checkpoint's
SHA-256, the views and image size, the dataset type / root / split, the
number of samples and D; ``LoadTeacherKnowledge(expect=...)`` checks it
against the training config. The export is atomic: the ``.npy`` and then
the manifest are written under temporary names and renamed into place, so
a killed export never looks complete (run it again).
"""
import argparse
import hashlib
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from tools.cpu_env import use_huge_pages  # noqa: E402

use_huge_pages()  # before torch is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from pointmcd_plugin.datasets.knowledge import (  # noqa: E402
    TeacherKnowledgeCache, file_sha256, manifest_path)
from pointmcd_plugin.utils import resolve_checkpoint  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='the teacher config')
    p.add_argument('checkpoint', nargs='?',
                   help='the trained teacher checkpoint, or its work dir '
                   '(the checkpoint its last_checkpoint file names)')
    p.add_argument('--untrained', action='store_true',
                   help='no checkpoint: export the descriptors of the '
                   "teacher as its config initialises it (init_weights), "
                   'seeded by --seed (a control, not a teacher)')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the --untrained initialisation')
    p.add_argument('--split', default='train')
    p.add_argument('--out', required=True, help='the .npy to write')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--num-workers', type=int, default=2)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def view_settings(pipeline) -> dict:
    """``views`` and ``image_size`` of the pipeline's RenderPointViews
    (``'files'`` when views are loaded from the dataset's files)."""
    for step in pipeline:
        if step['type'].split('.')[-1] == 'RenderPointViews':
            return dict(views=step.get('views', 'modelnet40_12'),
                        image_size=step.get('image_size', 224))
        if step['type'].split('.')[-1] == 'LoadMultiViewImages':
            return dict(views='files', image_size=None)
    raise SystemExit('the test pipeline neither renders nor loads views '
                     '(RenderPointViews / LoadMultiViewImages)')


def main():
    args = parse_args()
    if (args.checkpoint is None) == (not args.untrained):
        raise SystemExit('give either a CHECKPOINT or --untrained')
    if args.checkpoint is not None:
        args.checkpoint = resolve_checkpoint(args.checkpoint)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    from mmdet3d.registry import DATASETS, MODELS
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.split = args.split
    ds_cfg.test_mode = True
    dataset = DATASETS.build(ds_cfg)
    if args.untrained:
        torch.manual_seed(args.seed)
        model = MODELS.build(cfg.model)
        model.init_weights()
        source = dict(checkpoint=f'untrained (init_weights, seed '
                      f'{args.seed})', checkpoint_sha256=None)
    else:
        model = MODELS.build(cfg.model)
        load_checkpoint(model, args.checkpoint, map_location='cpu',
                        strict=True)
        source = dict(checkpoint=osp.abspath(args.checkpoint),
                      checkpoint_sha256=file_sha256(args.checkpoint))
    if not callable(getattr(model, 'extract_view_descriptors', None)):
        raise SystemExit(
            f'{type(model).__name__} (model.type of {args.config}) has no '
            'extract_view_descriptors(img) -> (B, K, D): export an image '
            'teacher config (MultiViewImageTeacher, MultiViewPartSegTeacher, '
            'MultiViewAutoEncoderTeacher)')
    model.to(args.device).eval()
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=False,
                        num_workers=args.num_workers,
                        collate_fn=pseudo_collate)
    descriptors, ids = [], []
    progress = ProgressBar(len(dataset))
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch)
            desc = model.extract_view_descriptors(data['inputs']['img'])
            descriptors.append(desc.float().cpu().numpy())
            for sample in batch['data_samples']:
                # Row i must be the sample whose sample_idx is i.
                assert sample.sample_idx == len(ids), sample.sample_idx
                ids.append(sample.shape_id)
            progress.update(len(batch['data_samples']))
    descriptors = np.concatenate(descriptors)
    TeacherKnowledgeCache.write(
        args.out, descriptors, ids,
        teacher_config=osp.abspath(args.config),
        teacher_config_digest=hashlib.sha256(
            cfg.pretty_text.encode()).hexdigest(),
        **source, dataset_type=ds_cfg.type, data_root=ds_cfg.data_root,
        split=args.split, **view_settings(ds_cfg.pipeline))
    print(f'\nwrote {args.out} {descriptors.shape} and '
          f'{manifest_path(args.out)}')


if __name__ == '__main__':
    main()
