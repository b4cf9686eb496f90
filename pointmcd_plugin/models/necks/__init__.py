from .global_sa_neck import GlobalSANeck

__all__ = ['GlobalSANeck']
