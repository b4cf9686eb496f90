from .shapes import CATEGORIES, CLASSES, NUM_PARTS, PART_IDS, make_shape
from .writer import generate, generate_cls, generate_partseg

__all__ = [
    'CATEGORIES', 'CLASSES', 'NUM_PARTS', 'PART_IDS', 'make_shape', 'generate',
    'generate_cls', 'generate_partseg'
]
