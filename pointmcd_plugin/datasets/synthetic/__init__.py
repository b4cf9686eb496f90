from .shapes import CATEGORIES, CLASSES, NUM_PARTS, PART_IDS, make_shape
from .writer import (GENERATORS, generate, generate_cls, generate_core,
                     generate_partseg)

__all__ = [
    'CATEGORIES', 'CLASSES', 'NUM_PARTS', 'PART_IDS', 'make_shape', 'generate',
    'GENERATORS', 'generate_cls', 'generate_core', 'generate_partseg'
]
