/* bench/launcher.c: starts one VMM for bench/boot_time.py and reports its timing and peak RSS.

   Usage: launcher PROGRAM [ARG...]   (fd 3 must be open for writing: the report goes there)

   Why a launcher: ru_maxrss of a process includes the high-water RSS of the memory image it
   had before execve() (the kernel folds the old mm's hiwater into signal->maxrss at exec). A
   VMM started by Python through posix_spawn() (vfork) inherits Python's image until the exec,
   so its ru_maxrss reads as at least Python's RSS (about 17 MiB) whatever the VMM itself used.
   This small static program forks a fresh process whose image before the exec is this
   program's (a few hundred KiB, reported as `launcher_hwm_kib`), so wait4()'s ru_maxrss is the
   VMM's own peak as long as that is larger.

   Report lines on fd 3:
     pid PID T_START_NS LAUNCHER_HWM_KIB    right after fork(); T_START_NS = CLOCK_MONOTONIC
                                            just before fork()
     exit T_EXIT_NS WAIT_STATUS MAXRSS_KIB  when wait4() returned (the VMM has exited)
   The VMM gets stdin, stdout and stderr from the launcher, and SIGKILL if the launcher dies
   (PR_SET_PDEATHSIG); the launcher likewise dies with its parent (the benchmark), so
   killing either never leaves a VMM behind. The launcher exits 0
   when it reported, 127 when it could not start the VMM, 126 on a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long self_hwm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: launcher PROGRAM [ARG...] (report on fd 3)\n");
    return 126;
  }
  FILE *report = fdopen(3, "w");
  if (!report) {
    fprintf(stderr, "launcher: fd 3 is not open for writing: %s\n", strerror(errno));
    return 126;
  }
  /* Die with the benchmark: if it is gone (killed), so are we, and with us the VMM. The
     benchmark passes its pid in BENCH_PARENT_PID to close the race before prctl(). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *expect = getenv("BENCH_PARENT_PID");
  if (expect && atol(expect) != (long)getppid()) return 127;
  long hwm = self_hwm_kib();
  pid_t parent = getpid();
  long long t_start = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "launcher: fork: %s\n", strerror(errno));
    return 127;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127); /* the launcher died before prctl took effect */
    close(3);
    execv(argv[1], argv + 1);
    fprintf(stderr, "launcher: cannot execute %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  fprintf(report, "pid %d %lld %ld\n", (int)pid, t_start, hwm);
  fflush(report);
  int status;
  struct rusage ru;
  pid_t r;
  do
    r = wait4(pid, &status, 0, &ru);
  while (r < 0 && errno == EINTR);
  long long t_exit = now_ns();
  if (r < 0) {
    fprintf(stderr, "launcher: wait4: %s\n", strerror(errno));
    return 127;
  }
  fprintf(report, "exit %lld %d %ld\n", t_exit, status, ru.ru_maxrss);
  fclose(report);
  return 0;
}
