// The capture reader on arbitrary text.
#include <callgate/replay/capture.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)callgate::replay::read_capture({reinterpret_cast<const char*>(data), size});
  return 0;
}
