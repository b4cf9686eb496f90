import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.models.teachers import MultiViewImagePreprocessor

IMAGENET = dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))


def grey_views(b=2, k=3, c=1, size=8):
    gen = torch.Generator().manual_seed(0)
    return [torch.randint(0, 256, (k, c, size, size), generator=gen,
                          dtype=torch.uint8) for _ in range(b)]


def test_grey_views_are_stacked_repeated_and_scaled_to_unit_range():
    img = grey_views()
    data = MultiViewImagePreprocessor()(dict(inputs=dict(img=img)))
    out = data['inputs']['img']
    assert out.shape == (2, 3, 3, 8, 8) and out.dtype == torch.float32
    expected = torch.stack(img).float() / 255
    for c in range(3):
        assert torch.allclose(out[:, :, c:c + 1], expected)


def test_imagenet_normalisation_per_channel():
    img = torch.stack(grey_views(c=3))  # already collated (B, K, 3, H, W)
    out = MultiViewImagePreprocessor(**IMAGENET).preprocess_views(img)
    mean = torch.tensor(IMAGENET['mean']).view(1, 1, 3, 1, 1)
    std = torch.tensor(IMAGENET['std']).view(1, 1, 3, 1, 1)
    assert torch.allclose(out, (img.float() - mean) / std)


def test_single_value_mean_std_broadcast_to_every_channel():
    img = grey_views()
    out = MultiViewImagePreprocessor(mean=[100], std=[50]).preprocess_views(
        img)
    assert torch.allclose(out[:, :, 2:], (torch.stack(img).float() - 100) / 50)


def test_one_channel_backbone_keeps_grey_views():
    img = grey_views()
    out = MultiViewImagePreprocessor(num_channels=1).preprocess_views(img)
    assert out.shape == (2, 3, 1, 8, 8)
    assert torch.allclose(out, torch.stack(img).float() / 255)


def test_points_stacked_other_inputs_and_data_samples_pass_through():
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    vis = torch.ones(2, 16, 3, dtype=torch.bool)
    data = dict(inputs=dict(img=grey_views(),
                            points=[torch.randn(16, 3, dtype=torch.float64)
                                    for _ in range(2)],
                            visibility=vis),
                data_samples=samples)
    out = MultiViewImagePreprocessor()(data, training=True)
    assert out['inputs']['points'].shape == (2, 16, 3)
    assert out['inputs']['points'].dtype == torch.float32
    assert torch.equal(out['inputs']['visibility'], vis)
    assert [int(s.gt_label) for s in out['data_samples']] == [0, 1]


@pytest.mark.parametrize('img,error,match', [
    ([v.float() for v in grey_views()], TypeError, 'uint8.*float32'),
    (torch.zeros(2, 3, 8, 8, dtype=torch.uint8), ValueError,
     r'\(B, K, C, H, W\).*\(2, 3, 8, 8\)'),
    (grey_views(c=2), ValueError, r'1 \(grey\) or num_channels=3.*2, 3, 2'),
    (grey_views()[:1] + grey_views(k=2)[:1], ValueError,
     'different shapes'),
    ([torch.zeros(3, 8, 8, dtype=torch.uint8)], ValueError,
     r'\(K, C, H, W\) tensor'),
])
def test_bad_views_are_refused_with_what_was_found(img, error, match):
    with pytest.raises(error, match=match):
        MultiViewImagePreprocessor().preprocess_views(img)


def test_bad_arguments_and_missing_views_are_refused():
    with pytest.raises(ValueError, match='both mean and std'):
        MultiViewImagePreprocessor(mean=IMAGENET['mean'])
    with pytest.raises(ValueError, match='1 or num_channels=3'):
        MultiViewImagePreprocessor(mean=(1, 2), std=(1, 2))
    with pytest.raises(KeyError, match=r"inputs\['img'\].*points"):
        MultiViewImagePreprocessor()(dict(inputs=dict(
            points=[torch.zeros(4, 3)])))


def test_built_by_config_in_mmdet3d_scope():
    init_default_scope('mmdet3d')
    for type_ in ('MultiViewImagePreprocessor',
                  'pointmcd_plugin.MultiViewImagePreprocessor'):
        pre = MODELS.build(dict(type=type_, **IMAGENET))
        assert isinstance(pre, MultiViewImagePreprocessor)
