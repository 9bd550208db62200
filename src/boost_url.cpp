// Boost.URL in header-only mode, compiled once here for everyone (the HTTP sink, the Redis URL).
#include <boost/url/src.hpp>
