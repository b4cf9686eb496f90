from typing import Optional

from mmdet3d.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Fail fast when the model's heads disagree with the dataset's classes.

    Before training and validation, every submodule with an integer
    ``num_classes`` (e.g. the classification head) must equal the number of
    classes in the dataset's metainfo. mmdet's ``NumClassCheckHook`` does
    the same but also trips over modules whose ``num_classes`` is ``None``
    (mmpretrain's ``LabelSmoothLoss``).

    Args:
        module_names (tuple[str], optional): Only check these submodules
            (dotted names, e.g. ``('head', )``). Defaults to all.
    """

    def __init__(self, module_names: Optional[tuple] = None) -> None:
        self.module_names = module_names

    def _check(self, runner, dataloader) -> None:
        classes = dataloader.dataset.metainfo.get('classes')
        if not classes:
            runner.logger.warning(
                f'{type(dataloader.dataset).__name__} has no classes in its '
                'metainfo; cannot check num_classes')
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        for name, module in model.named_modules():
            if self.module_names is not None and name not in self.module_names:
                continue
            num = getattr(module, 'num_classes', None)
            if isinstance(num, int) and num != len(classes):
                raise ValueError(
                    f'{name or "model"} ({type(module).__name__}) has '
                    f'num_classes={num}, but '
                    f'{type(dataloader.dataset).__name__} has '
                    f'{len(classes)} classes {tuple(classes)[:5]}...; set '
                    f'model.{name}.num_classes={len(classes)} in the config')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader)

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader)
