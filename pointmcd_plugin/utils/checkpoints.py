"""Finding a run's checkpoint by a documented rule."""
import os.path as osp


def resolve_checkpoint(path: str) -> str:
    """A checkpoint file, or the checkpoint a work dir's ``last_checkpoint``
    names (the file mmengine's ``CheckpointHook`` rewrites after every save,
    so a training's work dir always points at its newest checkpoint).

    Args:
        path (str): A ``.pth`` file, or the work dir of a training run.

    Returns:
        str: The checkpoint file.
    """
    if osp.isfile(path):
        return path
    if osp.isdir(path):
        marker = osp.join(path, 'last_checkpoint')
        if not osp.isfile(marker):
            raise FileNotFoundError(
                f'{path} is a folder without a last_checkpoint file: it is '
                'not the work dir of a training run that saved a checkpoint '
                '(train it first, or name the .pth file)')
        with open(marker) as f:
            checkpoint = f.read().strip()
        if not osp.isabs(checkpoint) and not osp.isfile(checkpoint):
            checkpoint = osp.join(path, osp.basename(checkpoint))
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'{marker} names {checkpoint}, which does not exist')
        return checkpoint
    raise FileNotFoundError(
        f'checkpoint {path} does not exist (a .pth file or the work dir of '
        'a finished training run is expected)')
