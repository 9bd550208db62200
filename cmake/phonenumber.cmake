# libphonenumber as the imported target callgate::phonenumber.
# The library is Debian's libphonenumber8. Its headers come from libphonenumber-dev, installed
# system-wide where a machine can, or unpacked under build/deps/ by scripts/setup.sh where it
# cannot (on Debian 12 that package pulls Boost 1.74, which conflicts with libboost1.81-dev).
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h
  HINTS ${PROJECT_SOURCE_DIR}/build/deps/libphonenumber-dev/usr/include)
find_library(PHONENUMBER_LIBRARY NAMES phonenumber libphonenumber.so.8)
pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf)
if(NOT PHONENUMBER_INCLUDE_DIR OR NOT PHONENUMBER_LIBRARY)
  message(FATAL_ERROR "libphonenumber not found: run scripts/setup.sh (it installs libphonenumber8 "
                      "and unpacks the headers of libphonenumber-dev under build/deps/)")
endif()
add_library(callgate::phonenumber INTERFACE IMPORTED)
# SYSTEM: the library's and protobuf's headers are not held to callgate's warnings.
target_include_directories(callgate::phonenumber SYSTEM INTERFACE ${PHONENUMBER_INCLUDE_DIR})
target_link_libraries(callgate::phonenumber INTERFACE ${PHONENUMBER_LIBRARY} PkgConfig::PROTOBUF)
