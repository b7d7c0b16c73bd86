# Cross-compiles for 64-bit Windows with Debian's MinGW-w64 (the posix thread model, which
# std::thread and std::mutex need). Used by scripts/build-windows.sh for Poco and the daemon.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CC_MINGW_TRIPLET x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${CC_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CC_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${CC_MINGW_TRIPLET}-windres)
# Poco's Foundation compiles its event-log messages (pocomsg.mc) with a message compiler.
set(CMAKE_MC_COMPILER ${CC_MINGW_TRIPLET}-windmc CACHE FILEPATH "message compiler")

# Headers and libraries come from the MinGW sysroot and the prefixes given in
# CMAKE_PREFIX_PATH / CMAKE_FIND_ROOT_PATH (the cached Poco build), never from the host.
list(APPEND CMAKE_FIND_ROOT_PATH /usr/${CC_MINGW_TRIPLET} ${CMAKE_PREFIX_PATH})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Windows 10 APIs (GetIfTable2 and friends need Vista or later).
add_compile_definitions(_WIN32_WINNT=0x0A00)

# The executables carry the MinGW runtime (libgcc, libstdc++, winpthread) inside, so they need
# no DLL from the build machine.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
