import numpy as np

ACCOUNT_DTYPE: np.dtype
PROFILE_DTYPE: np.dtype
BEHAVIOUR_DTYPE: np.dtype
