from .multiview_distill_loss import MultiViewDistillLoss

__all__ = ['MultiViewDistillLoss']
