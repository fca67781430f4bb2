import nibabel as nib


def load_volume(path):
    return nib.load(path).get_fdata()
