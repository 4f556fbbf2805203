# Debian's libcaf-dev (CAF 0.17) ships neither a CMake config nor a pkg-config file.
# Provides CAF::core, named as upstream CAF 0.18+ names it. Only libcaf_core is needed:
# the ThreadSanitizer build (scripts/test-tsan) points CAF_INCLUDE_DIR and
# CAF_CORE_LIBRARY at an instrumented libcaf_core built without the I/O module.
find_path(CAF_INCLUDE_DIR NAMES caf/all.hpp)
find_library(CAF_CORE_LIBRARY NAMES caf_core)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR CAF_CORE_LIBRARY)

if(CAF_FOUND AND NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY)
