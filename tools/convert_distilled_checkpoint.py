"""Write the student-only checkpoint of a PointMCD run: the student's
weights under the names its baseline config expects (no distiller prefix,
no VAFP, no optimizer state), loadable with ``load_from`` or evaluated by
``tools/test.py BASELINE_CONFIG OUT``.

    python tools/convert_distilled_checkpoint.py \
        work_dirs/pointmcd_dgcnn_synthetic/epoch_4.pth student.pth
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmengine.runner.checkpoint import _load_checkpoint  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401  (checkpoint allow-list)

PREFIX = 'student.'


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint', help='a PointMCDDistiller checkpoint')
    p.add_argument('out', help='the student-only checkpoint to write')
    args = p.parse_args()
    ckpt = _load_checkpoint(args.checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    student = {k[len(PREFIX):]: v for k, v in state.items()
               if k.startswith(PREFIX)}
    if not student:
        raise SystemExit(f'{args.checkpoint} holds no {PREFIX}* weights: '
                         'it is not a PointMCDDistiller checkpoint')
    meta = dict(ckpt.get('meta', {}), distilled_from=args.checkpoint)
    torch.save(dict(state_dict=student, meta=meta), args.out)
    dropped = sorted({k.split('.')[0] for k in state
                      if not k.startswith(PREFIX)})
    print(f'wrote {args.out}: {len(student)} student tensors '
          f'(dropped {dropped})')


if __name__ == '__main__':
    main()
