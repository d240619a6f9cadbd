// CLinuxBPF is header-only (static inline wrappers); SwiftPM needs one C file to build the target.
#include "CLinuxBPF.h"
