"""tools/visualize_reconstructions.py: an auto-encoder's reconstructions
beside its inputs, from a checkpoint or a work dir, on the tiny embedded
set (in process, seconds)."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint

from ..conftest import REPO_ROOT
from ..tiny_cfg import FOLDINGNET_CONFIG, as_cli, foldingnet_tiny_options


def load_tool():
    path = osp.join(REPO_ROOT, 'tools', 'visualize_reconstructions.py')
    spec = importlib.util.spec_from_file_location('visualize_recon', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chamfer_is_the_symmetric_mean_squared_nearest_distance():
    tool = load_tool()
    a = torch.tensor([[0., 0, 0], [1, 0, 0]])
    b = torch.tensor([[0., 0, 0], [0, 2, 0], [3, 0, 0]])
    # a -> b: 0 and 1; b -> a: 0, 4 and 4.
    assert tool.chamfer(a, b) == pytest.approx(0.5 + 8 / 3)


def test_draws_a_checkpoints_reconstructions_of_the_scored_split(
        tiny_synthetic_root, tmp_path, capsys):
    tool = load_tool()
    opts = as_cli(foldingnet_tiny_options(tiny_synthetic_root))
    config = osp.join(REPO_ROOT, FOLDINGNET_CONFIG)
    cfg = Config.fromfile(config)
    # The options as the command line reads them.
    cfg.merge_from_dict(
        tool.parse_args([config, '--untrained', '--cfg-options'] +
                        opts).cfg_options)
    init_default_scope('mmdet3d')
    from mmdet3d.registry import MODELS
    torch.manual_seed(3)
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    out = str(tmp_path / 'recon.png')
    tool.main([config, ckpt, '--out', out, '--num-shapes', '3',
               '--cfg-options'] + opts)
    printed = capsys.readouterr().out
    assert osp.isfile(out) and osp.getsize(out) > 10_000
    assert f'wrote {out}: 3 shapes, mean Chamfer' in printed

    # Samples are drawn from the last part (the SVM's test split) and the
    # reconstruction is the checkpoint's: the same numbers as the model's.
    dataset_cfg = cfg.test_dataloader.dataset
    from mmdet3d.registry import DATASETS
    dataset = DATASETS.build(dataset_cfg)
    picked, part = tool.pick_samples(dataset, None, None, 3)
    assert dataset.split_names == ['train', 'test']
    assert part is dataset.datasets[1]
    offset = len(dataset.datasets[0])
    assert len(picked) == 3 and picked[0] == offset
    assert picked[-1] == offset + len(part) - 1
    from mmengine.dataset import pseudo_collate
    model.eval()
    distances = []
    with torch.no_grad():
        for idx in picked:
            data = model.data_preprocessor(pseudo_collate([dataset[idx]]))
            recon = model(**data, mode='predict')[0].pred_points
            distances.append(
                tool.chamfer(data['inputs']['points'][0][:, :3], recon))
    mean = float(printed.split('mean Chamfer ')[1].split()[0])
    assert mean == pytest.approx(sum(distances) / 3, abs=1e-4)

    # An untrained model draws too; bad choices name what exists.
    tool.main([config, '--untrained', '--out', str(tmp_path / 'u.png'),
               '--indices', '0', '--split', 'train', '--cfg-options'] + opts)
    assert osp.isfile(tmp_path / 'u.png')
    with pytest.raises(SystemExit, match=r"--split 'val'.*\['train', "
                       r"'test'\]"):
        tool.main([config, ckpt, '--split', 'val', '--cfg-options'] + opts)
    with pytest.raises(SystemExit,
                       match=rf'--indices \[99\].*has {len(part)} samples'):
        tool.main([config, ckpt, '--indices', '99', '--cfg-options'] + opts)
