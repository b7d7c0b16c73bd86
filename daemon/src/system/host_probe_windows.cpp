// The Windows probe: Win32 and IP Helper calls. Load averages, disk I/O counters, interface
// addresses, connection counts and command lines are not collected here (left empty).
#ifndef NOMINMAX
#define NOMINMAX
#endif
// Order matters: winsock2 before windows, windows before the rest, and ws2tcpip (which brings
// ws2ipdef.h) before iphlpapi: MinGW's netioapi.h declares MIB_IF_TABLE2 and GetIfTable2 only
// when ws2ipdef.h came first. The file is kept out of unity batches for the same reason.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <psapi.h>
#include <sddl.h>
#include <tlhelp32.h>
// clang-format on

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <unordered_map>

#include "system/host_probe.h"

namespace cc::system {
namespace {

// 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01.
constexpr uint64_t kEpochOffset100ns = 116444736000000000ULL;

uint64_t ticks(const FILETIME& ft) {
  return (static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
}

std::string utf8(const wchar_t* text) {
  if (text == nullptr || *text == L'\0') return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return {};
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), n, nullptr, nullptr);
  out.resize(static_cast<std::size_t>(n - 1));
  return out;
}

std::string registryString(HKEY root, const char* key, const char* value) {
  char buf[256] = {};
  DWORD size = sizeof buf;
  if (RegGetValueA(root, key, value, RRF_RT_REG_SZ, nullptr, buf, &size) != ERROR_SUCCESS) {
    return {};
  }
  return buf;
}

int64_t unixMillisNow() {
  FILETIME now{};
  GetSystemTimeAsFileTime(&now);
  return static_cast<int64_t>((ticks(now) - kEpochOffset100ns) / 10000);
}

class WindowsHostProbe final : public HostProbe {
 public:
  RawSample sample() override {
    RawSample s;
    guard(s, "cpu", [&] { readCpu(s); });
    guard(s, "memory", [&] { readMemory(s); });
    guard(s, "host", [&] { readHost(s); });
    guard(s, "disk", [&] { readDisks(s); });
    guard(s, "network", [&] { readInterfaces(s); });
    guard(s, "processes", [&] { readProcesses(s); });
    return s;
  }

 private:
  static void guard(RawSample& s, const char* section, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      s.errors[section] = e.what();
    }
  }

  static std::string lastError(const char* call) {
    return std::string(call) + " failed with error " + std::to_string(GetLastError());
  }

  void readCpu(RawSample& s) {
    FILETIME idle{}, kernel{}, user{};
    if (!GetSystemTimes(&idle, &kernel, &user)) {
      s.errors["cpu"] = lastError("GetSystemTimes");
      return;
    }
    // Kernel time includes idle time. Units are 100 ns; only ratios are used.
    CpuTimes t;
    t.idle = ticks(idle);
    t.system = ticks(kernel) - std::min(ticks(kernel), t.idle);
    t.user = ticks(user);
    s.cpu_total = t;
  }

  void readMemory(RawSample& s) {
    MEMORYSTATUSEX m{};
    m.dwLength = sizeof m;
    if (!GlobalMemoryStatusEx(&m)) {
      s.errors["memory"] = lastError("GlobalMemoryStatusEx");
      return;
    }
    auto usage = [](uint64_t total, uint64_t available) {
      MemoryUsage u;
      u.total_bytes = total;
      u.available_bytes = std::min(available, total);
      u.used_bytes = total - u.available_bytes;
      u.percent = total == 0 ? 0.0 : 100.0 * static_cast<double>(u.used_bytes) / total;
      return u;
    };
    s.memory = usage(m.ullTotalPhys, m.ullAvailPhys);
    // The page file figures include physical memory (the commit limit); the excess is swap.
    uint64_t swap_total =
        m.ullTotalPageFile > m.ullTotalPhys ? m.ullTotalPageFile - m.ullTotalPhys : 0;
    uint64_t swap_free =
        m.ullAvailPageFile > m.ullAvailPhys ? m.ullAvailPageFile - m.ullAvailPhys : 0;
    s.swap = usage(swap_total, swap_free);
    s.uptime_s = static_cast<double>(GetTickCount64()) / 1000.0;
  }

  void readHost(RawSample& s) {
    if (!static_host_) {
      HostInfo h;
      const char* kVersionKey = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
      h.os = registryString(HKEY_LOCAL_MACHINE, kVersionKey, "ProductName");
      if (h.os.empty()) h.os = "Windows";
      std::string build = registryString(HKEY_LOCAL_MACHINE, kVersionKey, "CurrentBuildNumber");
      h.kernel = build.empty() ? "NT" : "NT build " + build;
      h.cpu_model =
          registryString(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0",
                         "ProcessorNameString");
      SYSTEM_INFO si{};
      GetNativeSystemInfo(&si);
      switch (si.wProcessorArchitecture) {
        case PROCESSOR_ARCHITECTURE_AMD64:
          h.architecture = "x86_64";
          break;
        case PROCESSOR_ARCHITECTURE_ARM64:
          h.architecture = "aarch64";
          break;
        case PROCESSOR_ARCHITECTURE_INTEL:
          h.architecture = "x86";
          break;
        default:
          h.architecture = "unknown";
      }
      h.cpu_count = static_cast<int>(si.dwNumberOfProcessors);
      static_host_ = std::move(h);
    }
    HostInfo h = *static_host_;
    char name[256] = {};
    DWORD size = sizeof name;
    if (GetComputerNameExA(ComputerNameDnsHostname, name, &size)) h.hostname = name;
    if (s.memory) h.memory_total_bytes = s.memory->total_bytes;
    h.boot_time_ms = unixMillisNow() - static_cast<int64_t>(GetTickCount64());
    s.host = std::move(h);
  }

  void readDisks(RawSample& s) {
    char drives[512] = {};
    DWORD n = GetLogicalDriveStringsA(static_cast<DWORD>(sizeof drives - 1), drives);
    if (n == 0 || n >= sizeof drives) {
      s.errors["disk"] = lastError("GetLogicalDriveStrings");
      return;
    }
    for (const char* d = drives; *d != '\0'; d += std::strlen(d) + 1) {
      // Fixed disks only: removable and network drives can block for seconds.
      if (GetDriveTypeA(d) != DRIVE_FIXED) continue;
      ULARGE_INTEGER free_to_caller{}, total{}, total_free{};
      if (!GetDiskFreeSpaceExA(d, &free_to_caller, &total, &total_free)) continue;
      Filesystem f;
      f.mount = d;
      f.device = d;
      char fs_name[MAX_PATH + 1] = {};
      if (GetVolumeInformationA(d, nullptr, 0, nullptr, nullptr, nullptr, fs_name,
                                static_cast<DWORD>(sizeof fs_name))) {
        f.fstype = fs_name;
      }
      f.total_bytes = total.QuadPart;
      f.free_bytes = free_to_caller.QuadPart;
      f.used_bytes = total.QuadPart - std::min(total.QuadPart, total_free.QuadPart);
      uint64_t usable = f.used_bytes + f.free_bytes;
      f.percent = usable == 0 ? 0.0 : 100.0 * static_cast<double>(f.used_bytes) / usable;
      s.filesystems.push_back(std::move(f));
    }
  }

  void readInterfaces(RawSample& s) {
    MIB_IF_TABLE2* table = nullptr;
    if (GetIfTable2(&table) != NO_ERROR) {
      s.errors["network"] = "GetIfTable2 failed";
      return;
    }
    for (ULONG i = 0; i < table->NumEntries; ++i) {
      const MIB_IF_ROW2& row = table->Table[i];
      // Filter-driver rows duplicate the real adapters they sit on.
      if (row.InterfaceAndOperStatusFlags.FilterInterface) continue;
      NetInterface n;
      n.name = utf8(row.Alias);
      n.rx_bytes = row.InOctets;
      n.tx_bytes = row.OutOctets;
      n.rx_packets = row.InUcastPkts + row.InNUcastPkts;
      n.tx_packets = row.OutUcastPkts + row.OutNUcastPkts;
      n.rx_errors = row.InErrors;
      n.tx_errors = row.OutErrors;
      n.up = row.OperStatus == IfOperStatusUp;
      n.mtu = static_cast<int>(row.Mtu);
      s.interfaces.push_back(std::move(n));
    }
    FreeMibTable(table);
  }

  void readProcesses(RawSample& s) {
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE) {
      s.errors["processes"] = lastError("CreateToolhelp32Snapshot");
      return;
    }
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
      ProcessInfo p;
      p.pid = static_cast<int>(entry.th32ProcessID);
      p.ppid = static_cast<int>(entry.th32ParentProcessID);
      p.name = utf8(entry.szExeFile);
      p.threads = static_cast<int>(entry.cntThreads);
      p.state = 'R';
      // Protected and system processes refuse the query: they keep zero times and sizes.
      HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, entry.th32ProcessID);
      if (h != nullptr) {
        FILETIME created{}, exited{}, kernel{}, user{};
        if (GetProcessTimes(h, &created, &exited, &kernel, &user)) {
          p.cpu_time_ns = (ticks(kernel) + ticks(user)) * 100;
          if (ticks(created) > kEpochOffset100ns) {
            p.started_at_ms = static_cast<int64_t>((ticks(created) - kEpochOffset100ns) / 10000);
          }
        }
        PROCESS_MEMORY_COUNTERS mem{};
        if (GetProcessMemoryInfo(h, &mem, sizeof mem)) p.rss_bytes = mem.WorkingSetSize;
        p.user = userOf(h);
        CloseHandle(h);
      }
      s.processes.push_back(std::move(p));
    }
    CloseHandle(snap);
    std::sort(s.processes.begin(), s.processes.end(),
              [](const ProcessInfo& a, const ProcessInfo& b) { return a.pid < b.pid; });
  }

  // Account lookups can go to a domain controller: names are cached by SID.
  std::string userOf(HANDLE process) {
    HANDLE token = nullptr;
    if (!OpenProcessToken(process, TOKEN_QUERY, &token)) return {};
    std::string name;
    alignas(TOKEN_USER) char buf[256];
    DWORD size = 0;
    if (GetTokenInformation(token, TokenUser, buf, sizeof buf, &size)) {
      PSID sid = reinterpret_cast<TOKEN_USER*>(buf)->User.Sid;
      LPSTR sid_text = nullptr;
      if (ConvertSidToStringSidA(sid, &sid_text)) {
        std::string key = sid_text;
        LocalFree(sid_text);
        auto it = users_.find(key);
        if (it != users_.end()) {
          name = it->second;
        } else {
          wchar_t account[256], domain[256];
          DWORD account_len = 256, domain_len = 256;
          SID_NAME_USE use;
          name = LookupAccountSidW(nullptr, sid, account, &account_len, domain, &domain_len, &use)
                     ? utf8(account)
                     : key;
          users_.emplace(key, name);
        }
      }
    }
    CloseHandle(token);
    return name;
  }

  std::optional<HostInfo> static_host_;
  std::unordered_map<std::string, std::string> users_;
};

}  // namespace

std::unique_ptr<HostProbe> makeHostProbe(const std::string& /*root*/,
                                         common::Millis /*connections_interval*/) {
  return std::make_unique<WindowsHostProbe>();
}

}  // namespace cc::system
