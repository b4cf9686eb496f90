"""One distiller for every student: PointMCD's multi-view cross-modal
distillation around any registered model with ``loss`` / ``predict``."""
import logging
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmdet3d.registry import MODELS
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint
from torch import Tensor, nn

from pointmcd_plugin.utils import resolve_checkpoint


class FeatureRecorder:
    """Records the output of a named submodule (mmrazor's recorder idea)
    with a forward hook, only while armed.

    Args:
        model (nn.Module): The model holding the submodule.
        source (str): Dotted name of the submodule (``'backbone'``).
    """

    def __init__(self, model: nn.Module, source: str) -> None:
        try:
            module = model.get_submodule(source)
        except AttributeError as e:
            names = [n for n, _ in model.named_children()]
            raise ValueError(
                f'the student has no submodule {source!r} to record point '
                f'features from; its children are {names}') from e
        self.source = source
        self.output = None
        self._armed = False
        module.register_forward_hook(self._hook)

    def _hook(self, module: nn.Module, args, output) -> None:
        if self._armed:
            self.output = output

    def __enter__(self) -> 'FeatureRecorder':
        self.output, self._armed = None, True
        return self

    def __exit__(self, *exc) -> None:
        self._armed = False


def _field(samples: List, name: str, what: str) -> Tensor:
    """Stack a tensor field of the data samples: (B, ...)."""
    if not samples or name not in samples[0]:
        keys = sorted(samples[0].keys()) if samples else []
        raise KeyError(
            f'PointMCDDistiller needs {name!r} in every data sample ({what}); '
            f'found {keys}. Add it to the training pipeline.')
    return torch.stack([s.get(name) for s in samples])


def _cached_descriptors(samples: List) -> Tensor:
    """(B, K, D) cached teacher descriptors of the data samples."""
    return _field(samples, 'teacher_descriptors',
                  '(K, D) cached teacher descriptors, from '
                  'LoadTeacherKnowledge')


def _online_views(inputs: Dict) -> List[Tensor]:
    """The views an online teacher looks at, ``inputs['img']``."""
    if 'img' not in inputs:
        raise KeyError(
            'PointMCDDistiller: the online teacher needs the views in '
            "inputs['img'] (RenderPointViews or LoadMultiViewImages in "
            'the training pipeline)')
    return inputs['img']


def _check_target(target: Sequence[int], student: Sequence[int]) -> None:
    """Teacher descriptors and VAFP descriptors are both (B, K, D)."""
    if tuple(target) != tuple(student):
        raise ValueError(
            f'teacher descriptors {tuple(target)} do not match the '
            f"student's VAFP descriptors {tuple(student)} (B, K, D): same "
            'views and D needed (vafp.out_channels)')


@MODELS.register_module()
class PointMCDDistiller(BaseModel):
    """PointMCD: a student trained on its task while, view by view, VAFP
    descriptors of its point features are pulled towards a frozen image
    teacher's view descriptors.

    The student (any registered model with ``loss`` / ``predict``: this
    plugin's classifier, an mmdet3d model) is built from its own config and
    left unaware: a forward hook records the output of its submodule
    ``feat_source`` during ``student.loss``, from which the point features
    (``feat_key``, optionally ``feat_index`` of a list, channels last or
    ``channels_first``) and, for hierarchical students, their indices into
    the input points (``index_key``) are taken. The batch is prepared by
    the student's own data preprocessor.

    Teacher knowledge comes either from an online teacher (``teacher``,
    e.g. :class:`MultiViewImageTeacher`, loaded from ``teacher_checkpoint``
    and frozen) that looks at the views packed in ``inputs['img']``
    (uint8, normalised by the teacher's own data preprocessor), or from
    cached descriptors (``teacher_descriptors`` of the data samples,
    ``LoadTeacherKnowledge``). The teacher is kept out of the module tree:
    it is not trained, not in the optimizer, not in checkpoints, not
    wrapped by DDP, and stays in eval mode.

    ``loss`` returns the student's losses scaled by ``task_loss_weight``
    (0.1 in the paper) and ``loss_distill``; ``predict`` is the student's
    alone (no views, no visibility, no teacher). With the distillation
    loss's ``loss_weight`` at 0 (the loss-scale control) VAFP and the
    teacher are skipped: the losses and every gradient are those of the
    full path, at the cost of the student alone.

    Args:
        student (dict): Config of the student model.
        vafp (dict): Config of :class:`VAFP` (``in_channels`` = C of the
            recorded features, ``out_channels`` = teacher's D).
        distill_loss (dict): Config of the distillation loss
            (:class:`MultiViewDistillLoss`).
        teacher (dict | str, optional): Config of an online teacher, or
            the path of the config file that trained it (its ``model`` is
            the teacher); None to read cached descriptors from the data
            samples.
        teacher_checkpoint (str, optional): Checkpoint of the online
            teacher: a ``.pth`` file or the teacher's work dir (then the
            checkpoint its ``last_checkpoint`` file names, i.e. the newest
            one of that training). Without it the teacher keeps the weights
            its own ``init_cfg`` gives (e.g. an ImageNet backbone, or a
            label-free pre-trained encoder), with a warning that it was not
            trained on the views.
        feat_source (str): Submodule of the student whose output holds the
            point features. Defaults to ``'backbone'``.
        feat_key (str): Key of the features in that output.
        feat_index (int, optional): Index into a list of features (e.g.
            -1 for the last set-abstraction level).
        channels_first (bool): Features are (B, C, M) instead of (B, M, C).
        index_key (str, optional): Key of the (B, M) indices of the
            features' points into the input points.
        task_loss_weight (float): Scale of the student's own losses.
        view_subset (Sequence[int], optional): Indices of the views to
            distil, out of the K views the visibility and the teacher's
            descriptors hold (e.g. ``[0, 3, 6, 9]``: 4 of 12 views, 90 deg
            apart); the other views are dropped from both before VAFP.
            Each view's teacher descriptor is computed from that view
            alone, so this equals a teacher and knowledge of those views
            only. None (default): all K views.
        unscaled_losses (Sequence[str]): Student losses left unscaled:
            regularisers with a weight of their own (PointNet's feature
            transform regulariser, 0.001, as the authors add it beside
            0.1 x the task loss).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 student: Dict,
                 vafp: Dict,
                 distill_loss: Dict,
                 teacher: Optional[Union[Dict, str]] = None,
                 teacher_checkpoint: Optional[str] = None,
                 feat_source: str = 'backbone',
                 feat_key: str = 'point_feats',
                 feat_index: Optional[int] = None,
                 channels_first: bool = False,
                 index_key: Optional[str] = None,
                 task_loss_weight: float = 0.1,
                 view_subset: Optional[Sequence[int]] = None,
                 unscaled_losses: Sequence[str] = ('loss_feat_transform', ),
                 init_cfg: Optional[Dict] = None) -> None:
        student = MODELS.build(student)
        super().__init__(data_preprocessor=student.data_preprocessor,
                         init_cfg=init_cfg)
        self.student = student
        self.vafp = MODELS.build(vafp)
        self.distill_loss = MODELS.build(distill_loss)
        self.recorder = FeatureRecorder(student, feat_source)
        self.feat_key = feat_key
        self.feat_index = feat_index
        self.channels_first = channels_first
        self.index_key = index_key
        self.task_loss_weight = task_loss_weight
        if view_subset is not None:
            view_subset = [int(v) for v in view_subset]
            if not view_subset or len(set(view_subset)) != len(view_subset):
                raise ValueError('PointMCDDistiller: view_subset must be '
                                 'distinct view indices, got '
                                 f'{view_subset}')
        self.view_subset = view_subset
        self.unscaled_losses = tuple(unscaled_losses)
        # A list, not a submodule: see the class docstring.
        self._teacher: List[nn.Module] = []
        if teacher is not None:
            self._teacher.append(self._build_teacher(teacher,
                                                     teacher_checkpoint))

    @staticmethod
    def _build_teacher(cfg: Union[Dict, str],
                       checkpoint: Optional[str]) -> nn.Module:
        if isinstance(cfg, str):
            cfg = Config.fromfile(cfg).model
        teacher = MODELS.build(cfg)
        if checkpoint is None:
            teacher.init_weights()
            print_log(
                'PointMCDDistiller: the online teacher has no '
                'teacher_checkpoint and keeps the weights of its init_cfg: '
                'it was not trained on these views (train it, e.g. configs/'
                'teacher_mobilenetv2_modelnet40.py, and set '
                'teacher_checkpoint, unless an untrained-on-views teacher '
                'is intended)', logger='current', level=logging.WARNING)
        else:
            checkpoint = resolve_checkpoint(checkpoint)
            try:
                load_checkpoint(teacher, checkpoint, map_location='cpu',
                                strict=True, logger='silent')
            except RuntimeError as e:
                raise ValueError(
                    f'teacher_checkpoint {checkpoint} does not fit the '
                    f'teacher config ({cfg.get("type")}): {e}') from e
            print_log(f'PointMCDDistiller: teacher loaded from {checkpoint}',
                      logger='current')
        teacher.requires_grad_(False)
        if hasattr(teacher, 'freeze'):
            teacher.freeze()
        return teacher.eval()

    @property
    def teacher(self) -> Optional[nn.Module]:
        """The online teacher, if any (not a submodule)."""
        return self._teacher[0] if self._teacher else None

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.student.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student(inputs, data_samples, mode='tensor')
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None) -> List:
        """The student's prediction alone."""
        return self.student.predict(inputs, data_samples)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: List) -> Dict[str, Tensor]:
        with self.recorder:
            losses = self.student.loss(inputs, data_samples)
        losses = {
            k: self._scaled(v)
            if 'loss' in k and k not in self.unscaled_losses else v
            for k, v in losses.items()
        }
        feats, indices = self._recorded_features()
        visibility = _field(data_samples, 'visibility',
                            '(N, K) bool visible points per view, from '
                            'ComputeViewVisibility or LoadViewVisibility')
        visibility = self._select_views(visibility, -1, 'visibility')
        if self.distill_loss.loss_weight == 0:
            # The loss-scale control (distillation switched off): the
            # distillation term and its gradient are exactly zero, so VAFP
            # and the teacher are not run (VAFP has no randomness and is
            # not used by predict). Its parameters stay in the graph with
            # zero gradients, as before (weight decay, DDP without
            # find_unused_parameters), and the data it would need is still
            # required, so the control reads what PointMCD reads.
            self._check_knowledge(inputs, data_samples, visibility)
            losses['loss_distill'] = sum(
                p.sum() * 0 for p in self.vafp.parameters()
                if p.requires_grad) + feats.new_zeros(())
            return losses
        out = self.vafp(feats, visibility.to(feats.device), indices)
        target = self._teacher_descriptors(inputs, data_samples,
                                           feats.device)
        student = out['descriptors']
        _check_target(target.shape, student.shape)
        losses['loss_distill'] = self.distill_loss(student, target,
                                                   out['valid'])
        return losses

    def _check_knowledge(self, inputs: Dict, data_samples: List,
                         visibility: Tensor) -> None:
        """The checks ``loss`` makes of the teacher's input when the
        distillation is off: cached (B, K, D) descriptors matching the
        views and ``vafp.out_channels``, or the views of an online teacher.
        """
        if self.teacher is not None:
            _online_views(inputs)
            return
        target = self._select_views(_cached_descriptors(data_samples), 1,
                                    'teacher_descriptors')
        _check_target(target.shape, (visibility.shape[0],
                                     visibility.shape[-1],
                                     self.vafp.out_channels))

    def _scaled(self, loss: Union[Tensor, List[Tensor]]
                ) -> Union[Tensor, List[Tensor]]:
        """A student loss times ``task_loss_weight``; mmengine's
        ``parse_losses`` also takes lists of tensors (summed)."""
        if isinstance(loss, (list, tuple)):
            return [item * self.task_loss_weight for item in loss]
        return loss * self.task_loss_weight

    def _recorded_features(self):
        """(B, M, C) point features and (B, M) indices or None."""
        output = self.recorder.output
        if output is None:
            raise RuntimeError(
                f'the student never ran its submodule '
                f'{self.recorder.source!r} in loss(); set feat_source to '
                'the module that computes the point features')
        try:
            feats = output[self.feat_key]
            indices = output[self.index_key] if self.index_key else None
        except (KeyError, TypeError, IndexError) as e:
            keys = list(output) if isinstance(output, dict) else \
                type(output).__name__
            raise KeyError(
                f'{self.recorder.source!r} output has no {e}; it has {keys}'
            ) from e
        if self.feat_index is not None:
            feats = feats[self.feat_index]
            indices = None if indices is None else indices[self.feat_index]
        if self.channels_first:
            feats = feats.transpose(1, 2)
        return feats, indices

    def _teacher_descriptors(self, inputs: Dict, data_samples: List,
                             device: torch.device) -> Tensor:
        """(B, K, D) teacher view descriptors on ``device``, without
        gradient."""
        teacher = self.teacher
        if teacher is None:
            return self._select_views(_cached_descriptors(data_samples), 1,
                                      'teacher_descriptors').to(device)
        img = _online_views(inputs)
        if next(teacher.parameters()).device != device:
            teacher.to(device)
        with torch.no_grad():
            views = teacher.data_preprocessor.preprocess_views(img)
            return self._select_views(
                teacher.extract_view_descriptors(views), 1,
                "the online teacher's descriptors")

    def _select_views(self, x: Tensor, dim: int, what: str) -> Tensor:
        """The ``view_subset`` views of ``x`` along its view axis ``dim``
        (all of them without a subset)."""
        if self.view_subset is None:
            return x
        num_views = x.shape[dim]
        bad = [v for v in self.view_subset if not 0 <= v < num_views]
        if bad:
            raise ValueError(
                f'PointMCDDistiller: view_subset {self.view_subset} names '
                f'views {bad}, but {what} holds {num_views} views '
                f'(indices 0..{num_views - 1})')
        index = torch.as_tensor(self.view_subset, device=x.device)
        return x.index_select(dim, index)
