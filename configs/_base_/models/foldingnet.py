# FoldingNet auto-encoder (Yang et al., CVPR 2018), as published and as
# antao97/UnsupervisedPointCloudReconstruction reproduces it: per point xyz +
# the 3x3 covariance of its 16-NN neighbourhood (12 channels) -> MLP
# 64-64-64 -> two graph layers (local max pooling over the 16-NN graph +
# linear + 1x1 conv) to 128 and 1024 channels (the point features a PointMCD
# distiller records) -> global max -> MLP 1024-512-512: the 512-d codeword.
# Decoder: the codeword folds a 45 x 45 grid on [-0.3, 0.3]^2 (2025 points)
# twice (MLPs 514-512-512-3 and 515-512-512-3). Loss: Chamfer distance,
# squared distances, both directions summed (mean over points and batch;
# antao97 sums over them, a constant factor that Adam absorbs).
# The DGCNN encoder option replaces the backbone and the neck's input:
#   backbone=dict(_delete_=True, type='DGCNNEncoder', k=20,
#                 edge_channels=(64, 64, 128, 256), embed_channels=1024,
#                 global_pool=('max', )),
#   neck=dict(in_channels=1024)
model = dict(
    type='pointmcd_plugin.PointAutoEncoder',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='FoldingNetEncoder',
        in_channels=3,
        k=16,
        mlp_channels=(64, 64, 64),
        graph_channels=(128, 1024)),
    neck=dict(type='CodewordNeck', in_channels=1024, channels=(512, 512)),
    head=dict(
        type='FoldingHead',
        in_channels=512,
        grid_size=(45, 45),
        grid_range=((-0.3, 0.3), (-0.3, 0.3)),
        loss=dict(type='ChamferLoss', impl='torch', reduction='mean')))
