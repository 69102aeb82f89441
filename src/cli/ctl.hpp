// `zapotec ctl <socket> <command>`: drives a running Zapotec through its API socket without
// typing JSON.
#pragma once

namespace zapotec {

// argv[0] is the subcommand's name ("ctl"), argv[1] the API socket, argv[2] the command:
//   start    PUT /actions {"action_type": "InstanceStart"}
//   pause    PATCH /vm {"state": "Paused"}
//   resume   PATCH /vm {"state": "Resumed"}
//   stop     PUT /actions {"action_type": "SendCtrlAltDel"}
//   info     GET /          (prints the JSON)
//   metrics  GET /metrics   (prints the Prometheus text)
// Prints the response body, if any, to stdout and returns 0 on success; on failure prints
// one line ("zapotec ctl: ...", with the server's fault_message) to stderr and returns 1;
// a usage error returns 2.
int run_ctl(int argc, const char* const* argv);

}  // namespace zapotec
