# enable_warnings(target): the house warning set; -Werror when CALLGATE_WERROR is on.
function(enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wconversion)
  # GCC 12 reports std::string copies inlined from libstdc++ as overflows (GCC PR 105329,
  # 105651); which files trip it depends on inlining. ASan/UBSan check the real thing.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-stringop-overflow
                                             -Wno-stringop-overread -Wno-array-bounds)
  endif()
  if(CALLGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# enable_sanitizers(target): ASan + UBSan when CALLGATE_SANITIZE is on, ThreadSanitizer when
# CALLGATE_TSAN is (the two cannot share a binary).
function(enable_sanitizers target)
  if(CALLGATE_SANITIZE AND CALLGATE_TSAN)
    message(FATAL_ERROR "CALLGATE_SANITIZE and CALLGATE_TSAN exclude each other")
  endif()
  if(CALLGATE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CALLGATE_TSAN)
    # -Wno-tsan: GCC warns that TSan does not model Asio's std::atomic_thread_fence; every
    # hand-over in Asio's scheduler is also under a mutex, which TSan does see.
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()
