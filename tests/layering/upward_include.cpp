// Must not compile: the store layer (which this probe links, as src/store/ does) cannot see the
// HTTP layer above it. tests/CMakeLists.txt builds it and expects exactly that failure.
#include <callgate/http/server.hpp>
#include <callgate/store/store.hpp>
