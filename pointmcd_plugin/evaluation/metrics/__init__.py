from .cls_metric import PointClsMetric
from .shapenet_part_metric import ShapeNetPartMetric, shape_part_ious
from .pixel_miou_metric import PixelMIoUMetric  # noqa: F401
from .svm_metric import LinearSVMMetric  # noqa: F401

__all__ = ['PointClsMetric', 'ShapeNetPartMetric', 'shape_part_ious']
from .view_recon_metric import ViewReconstructionMetric  # noqa: F401
