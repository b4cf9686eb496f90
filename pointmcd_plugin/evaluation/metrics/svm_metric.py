"""Linear-SVM transfer accuracy of frozen features (the unsupervised
protocol: an auto-encoder pre-trained on ShapeNetCore, a linear SVM on its
ModelNet40 codewords)."""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet3d.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from pointmcd_plugin.datasets.tagged_splits import INDEX_KEY, SPLIT_KEY

NORMALIZATIONS = (None, 'l2', 'standard')


def _as_array(value, what: str) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f'LinearSVMMetric: {what} is not numeric '
                        f'({type(value).__name__})')
    return arr


@METRICS.register_module()
class LinearSVMMetric(BaseMetric):
    """Fit a linear SVM (scikit-learn ``LinearSVC``) on the frozen features
    of one split and report its accuracy on another.

    Why a metric over a tagged loader (and not a hook): an mmengine metric
    is what ``ValLoop`` / ``TestLoop`` run, log (``svm/accuracy``), pick the
    best checkpoint by, and gather across ranks; ``tools/train.py`` and
    ``tools/test.py`` then need nothing of their own. The evaluation loader
    is a :class:`TaggedSplitsDataset` over the classification set's splits
    (e.g. ``train`` and ``test``), which tags every sample with its split
    (``split``) and index (``concat_idx``); the model's ``predict`` (the
    auto-encoder's) puts the feature in the data sample (``codeword``).
    ``process`` keeps (index, split, label, feature) per sample, mmengine's
    ``BaseMetric`` collects them from every rank (dropping a distributed
    sampler's padding), and ``compute_metrics`` (rank 0) sorts them by
    index, so the fit does not depend on the number of processes, fits on
    ``fit_split`` and scores ``score_split``. Nothing is selected on the
    scored split: C and the normalisation come from the config, the
    normaliser is fitted on ``fit_split`` only.

    Args:
        fit_split (str): Split the SVM is fitted on. Defaults to
            ``'train'``.
        score_split (str): Split it is scored on. Defaults to ``'test'``
            (validation configs score a validation split).
        feature_key (str): Data-sample field of the (D,) feature. Defaults
            to ``'codeword'``. For features of another shape, ``pooling``.
        pooling (str, optional): ``'max'`` or ``'mean'`` over the first
            axis of an (N, D) feature (e.g. per-point features); None: the
            feature is used flattened.
        C (float): ``LinearSVC``'s regularisation (1.0: scikit-learn's and
            the FoldingNet reproductions' default).
        normalize (str, optional): None (the reproductions' protocol: raw
            features), ``'l2'`` (every feature to unit length) or
            ``'standard'`` (zero mean, unit variance per dimension, fitted
            on ``fit_split``).
        max_iter (int): ``LinearSVC``'s iteration bound; a fit that did not
            converge is logged as a warning.
        random_state (int): ``LinearSVC``'s seed (0, as the
            reproductions').
        collect_device / prefix: As in mmengine's ``BaseMetric``.

    Returns (``compute_metrics``):
        dict: ``accuracy`` (overall, %) and ``mean_class_acc`` (%) on
        ``score_split``, prefixed ``svm/``.
    """
    default_prefix: Optional[str] = 'svm'

    def __init__(self,
                 fit_split: str = 'train',
                 score_split: str = 'test',
                 feature_key: str = 'codeword',
                 pooling: Optional[str] = None,
                 C: float = 1.0,
                 normalize: Optional[str] = None,
                 max_iter: int = 1000,
                 random_state: int = 0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if normalize not in NORMALIZATIONS:
            raise ValueError(f'LinearSVMMetric: normalize must be one of '
                             f'{NORMALIZATIONS}, got {normalize!r}')
        if pooling not in (None, 'max', 'mean'):
            raise ValueError("LinearSVMMetric: pooling must be None, 'max' "
                             f"or 'mean', got {pooling!r}")
        if fit_split == score_split:
            raise ValueError(
                f'LinearSVMMetric: fit_split and score_split are both '
                f'{fit_split!r}; score on a split the SVM was not fitted on')
        if C <= 0:
            raise ValueError(f'LinearSVMMetric: C must be > 0, got {C}')
        self.fit_split = fit_split
        self.score_split = score_split
        self.feature_key = feature_key
        self.pooling = pooling
        self.C = C
        self.normalize = normalize
        self.max_iter = max_iter
        self.random_state = random_state

    def _feature(self, sample: Dict) -> np.ndarray:
        if self.feature_key not in sample:
            raise KeyError(
                f'LinearSVMMetric reads the feature {self.feature_key!r} '
                'from every predicted data sample (PointAutoEncoder.predict '
                f"writes 'codeword'); found {sorted(sample)}")
        feat = _as_array(sample[self.feature_key],
                         self.feature_key).astype(np.float32)
        if self.pooling is not None:
            if feat.ndim != 2:
                raise ValueError(
                    f'LinearSVMMetric(pooling={self.pooling!r}) pools an '
                    f'(N, D) {self.feature_key}, got {feat.shape}')
            feat = feat.max(0) if self.pooling == 'max' else feat.mean(0)
        return feat.reshape(-1)

    def process(self, data_batch: Dict, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            missing = [k for k in (SPLIT_KEY, 'gt_label') if k not in sample]
            if missing:
                raise KeyError(
                    f'LinearSVMMetric needs {missing} in every data sample: '
                    "'split' (and 'concat_idx') come from a "
                    'TaggedSplitsDataset over the classification splits, '
                    "'gt_label' from the split's packer (PackPointInputs); "
                    f'found {sorted(sample)}')
            label = int(_as_array(sample['gt_label'], 'gt_label')
                        .reshape(-1)[0])
            index = int(sample.get(INDEX_KEY, len(self.results)))
            self.results.append((index, str(sample[SPLIT_KEY]), label,
                                 self._feature(sample)))

    def _split(self, results: List[Tuple], name: str,
               found: List[str]) -> Tuple[np.ndarray, np.ndarray]:
        rows = [r for r in results if r[1] == name]
        if not rows:
            raise ValueError(
                f'LinearSVMMetric: no sample of split {name!r} reached the '
                f'metric (splits seen: {found}); the evaluation loader must '
                'be a TaggedSplitsDataset with both the fit_split '
                f'{self.fit_split!r} and the score_split '
                f'{self.score_split!r}')
        widths = {r[3].shape for r in rows}
        if len(widths) != 1:
            raise ValueError(f'LinearSVMMetric: features of split {name!r} '
                             f'have different shapes {sorted(widths)}')
        return (np.stack([r[3] for r in rows]).astype(np.float64),
                np.asarray([r[2] for r in rows], dtype=np.int64))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.preprocessing import StandardScaler, normalize
        from sklearn.svm import LinearSVC
        results = sorted(results, key=lambda r: r[0])
        found = sorted({r[1] for r in results})
        x_fit, y_fit = self._split(results, self.fit_split, found)
        x_score, y_score = self._split(results, self.score_split, found)
        if x_fit.shape[1] != x_score.shape[1]:
            raise ValueError(
                f'LinearSVMMetric: {self.fit_split} features are '
                f'{x_fit.shape[1]}-d but {self.score_split} ones '
                f'{x_score.shape[1]}-d')
        if self.normalize == 'l2':
            x_fit, x_score = normalize(x_fit), normalize(x_score)
        elif self.normalize == 'standard':
            scaler = StandardScaler().fit(x_fit)
            x_fit, x_score = scaler.transform(x_fit), scaler.transform(
                x_score)
        logger = MMLogger.get_current_instance()
        if len(np.unique(y_fit)) < 2:
            raise ValueError(
                f'LinearSVMMetric: the {self.fit_split!r} split has a single '
                f'class ({int(y_fit[0])}); a classifier needs two or more')
        svm = LinearSVC(C=self.C, max_iter=self.max_iter,
                        random_state=self.random_state)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', ConvergenceWarning)
            svm.fit(x_fit, y_fit)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            logger.warning(
                f'LinearSVMMetric: LinearSVC did not converge in max_iter='
                f'{self.max_iter} iterations; raise max_iter or set '
                "normalize='standard'")
        pred = svm.predict(x_score)
        correct = pred == y_score
        classes = np.unique(y_score)
        per_class = np.array([correct[y_score == c].mean() for c in classes])
        logger.info(
            f'LinearSVMMetric: LinearSVC(C={self.C}, normalize='
            f'{self.normalize}) fitted on {len(y_fit)} {self.fit_split} '
            f'features ({x_fit.shape[1]}-d, {len(np.unique(y_fit))} '
            f'classes), scored on {len(y_score)} {self.score_split} ones')
        return dict(accuracy=float(100.0 * correct.mean()),
                    mean_class_acc=float(100.0 * per_class.mean()))
