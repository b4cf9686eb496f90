# ScanObjectNN OBJ_BG (objects with their background; the PointMCD
# setting) from the h5_files release: 2309 training and 581 test objects
# of 15 classes, 2048 points each, no normals, y-up like ModelNet40's HDF5
# release (so the same cameras apply). Request the release from the
# ScanObjectNN authors and unpack it so that data/scanobjectnn/h5_files/
# holds main_split/ and main_split_nobg/; without it, building the dataset
# names the missing file and where to get it.
_base_ = ['./modelnet40_hdf5.py']

dataset_type = 'pointmcd_plugin.ScanObjectNNDataset'
data_root = 'data/scanobjectnn/h5_files'
variant = 'obj_bg'
num_points = 1024

# No validation split either: 10 % of each class of the training split is
# held out, as for ModelNet40 (see modelnet40_hdf5.py).
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, variant=variant))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, variant=variant))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, variant=variant))
