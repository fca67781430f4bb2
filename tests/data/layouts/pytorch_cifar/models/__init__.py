from .vgg import *
from .resnet import *
from .mobilenetv2 import *
from .densenet import *
