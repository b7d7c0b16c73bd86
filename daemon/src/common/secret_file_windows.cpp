#include <Poco/UnWindows.h>  // windows.h as Poco needs it (lean, winsock2 first)

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <fstream>

#include "common/secret_file.h"

namespace cc::common {

Status writeSecretFile(const std::string& path, const std::string& content) {
  try {
    Poco::File(Poco::Path(path).parent()).createDirectories();
  } catch (const Poco::Exception& e) {
    return Error::badRequest("cannot create the directory of " + path + ": " + e.displayText());
  }
  HANDLE h = CreateFileA(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return Error::badRequest("cannot create " + path);
  DWORD written = 0;
  BOOL ok = WriteFile(h, content.data(), static_cast<DWORD>(content.size()), &written, nullptr) &&
            FlushFileBuffers(h);
  CloseHandle(h);
  if (!ok) return Error::badRequest("cannot write " + path);
  return Ok{};
}

// On Windows the state directory's owner-only ACL (set by the installer) is inherited.
Status makePrivateDirectory(const std::string& path) {
  try {
    Poco::File(path).createDirectories();
  } catch (const Poco::Exception& e) {
    return Error::badRequest("cannot create " + path + ": " + e.displayText());
  }
  return Ok{};
}

Status makePrivateFile(const std::string& path) {
  try {
    Poco::File(path).createFile();
  } catch (const Poco::Exception& e) {
    return Error::badRequest("cannot create " + path + ": " + e.displayText());
  }
  return Ok{};
}

// The file's ACL comes from the state directory's owner-only one: no mode to check.
Result<std::string> readSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest("cannot read " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace cc::common
