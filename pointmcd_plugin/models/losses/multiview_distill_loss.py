from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet3d.registry import MODELS
from torch import Tensor, nn

MODES = ('l1', 'smooth_l1', 'mse', 'cosine')


@MODELS.register_module()
class MultiViewDistillLoss(nn.Module):
    """View-wise distance between student and teacher view descriptors.

    Every valid view k of sample b gets a loss e[b, k]:

    * ``l1`` (the paper's ``nn.L1Loss``): mean over channels of
      ``|s - t|``;
    * ``smooth_l1``: mean over channels of the smooth L1 with ``beta``;
    * ``mse``: mean over channels of ``(s - t) ** 2``;
    * ``cosine``: ``1 - cos(s, t)``.

    The loss is ``loss_weight * sum(w * e) / n`` over the valid views, n
    their number, w the view weights (1 by default; like mmdet's
    ``weight_reduce_loss`` with ``avg_factor=n``, weights scale the loss
    rather than being normalised). With all views valid and no weights,
    ``l1`` equals ``nn.L1Loss`` over (B, K, D). Invalid views (e.g. no
    visible point) never touch the value or the gradient, whatever their
    descriptors hold; a batch without a valid view gives 0 (with a grad).
    The teacher side is detached.

    Args:
        mode (str): One of ``'l1'``, ``'smooth_l1'``, ``'mse'``,
            ``'cosine'``. Defaults to ``'l1'``.
        beta (float): Threshold of ``smooth_l1``.
        view_weights (Sequence[float], optional): K per-view weights.
        loss_weight (float): Weight of the loss.
    """

    def __init__(self,
                 mode: str = 'l1',
                 beta: float = 1.0,
                 view_weights: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'MultiViewDistillLoss mode must be one of '
                             f'{MODES}, got {mode!r}')
        self.mode = mode
        self.beta = beta
        self.loss_weight = loss_weight
        self.register_buffer(
            'view_weights', None if view_weights is None else
            torch.as_tensor(view_weights, dtype=torch.float32),
            persistent=False)

    def forward(self,
                student: Tensor,
                teacher: Tensor,
                valid: Optional[Tensor] = None,
                weight: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            student (Tensor): Student view descriptors (B, K, D).
            teacher (Tensor): Teacher view descriptors (B, K, D).
            valid (Tensor, optional): bool (B, K), False for views to
                leave out. Defaults to all views valid.
            weight (Tensor, optional): Per-view weights (B, K) or (K, ),
                multiplied with the configured ``view_weights``.

        Returns:
            Tensor: scalar loss.
        """
        if student.ndim != 3 or student.shape != teacher.shape:
            raise ValueError(
                'MultiViewDistillLoss expects student and teacher view '
                'descriptors of one shape (B, K, D), got student '
                f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}')
        views_shape = student.shape[:2]
        if valid is None:
            valid = student.new_ones(views_shape, dtype=torch.bool)
        elif valid.dtype != torch.bool or valid.shape != views_shape:
            raise ValueError(
                f'MultiViewDistillLoss expects a bool valid mask '
                f'{tuple(views_shape)} (B, K), got {valid.dtype} '
                f'{tuple(valid.shape)}')
        keep = valid.unsqueeze(-1)
        student = student.masked_fill(~keep, 0)
        teacher = teacher.detach().masked_fill(~keep, 0)
        per_view = self._per_view(student, teacher) * valid
        for w in (self.view_weights, weight):
            if w is not None:
                per_view = per_view * self._broadcast(w, views_shape)
        return self.loss_weight * per_view.sum() / valid.sum().clamp(min=1)

    def _per_view(self, student: Tensor, teacher: Tensor) -> Tensor:
        """(B, K, D) x 2 -> (B, K) loss of every view."""
        if self.mode == 'cosine':
            # Normalised with eps 1e-4 (descriptors are O(1)):
            # F.cosine_similarity's 1e-8 gives gradients of ~1e7 on an
            # all-zero (post-ReLU) descriptor, 1e-4 at most ~1e4.
            return 1 - (F.normalize(student, dim=-1, eps=1e-4) *
                        F.normalize(teacher, dim=-1, eps=1e-4)).sum(-1)
        if self.mode == 'l1':
            dist = F.l1_loss(student, teacher, reduction='none')
        elif self.mode == 'smooth_l1':
            dist = F.smooth_l1_loss(student, teacher, beta=self.beta,
                                    reduction='none')
        else:
            dist = F.mse_loss(student, teacher, reduction='none')
        return dist.mean(dim=-1)

    @staticmethod
    def _broadcast(weight: Tensor, views_shape: torch.Size) -> Tensor:
        if weight.shape not in (views_shape, views_shape[1:]):
            raise ValueError(
                'MultiViewDistillLoss view weights must be (B, K) '
                f'{tuple(views_shape)} or (K, ) {tuple(views_shape[1:])}, got '
                f'{tuple(weight.shape)}')
        return weight.expand(views_shape)
