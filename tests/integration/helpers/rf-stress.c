/* rf-stress: the runaway command, for the resource-limit and fault tests.
 *
 *   rf-stress forkbomb SECONDS   fork until the kernel says no, then keep
 *                                trying for SECONDS; children just wait.
 *                                Prints "FORKED <n> <ERRNO>" (the first refusal).
 *   rf-stress threads SECONDS    the same with threads: "THREADS <n> <ERRNO>"
 *   rf-stress hog MIB            allocate and touch MIB MiB (0 = until refused),
 *                                printing "HELD <n>" every 16 MiB; then
 *                                "HOG-DONE <n>" or "HOG-REFUSED <n> <ERRNO>"
 *   rf-stress fill PATH MIB      write PATH 1 MiB at a time up to MIB (0 = until
 *                                refused): "FILLED <n>" or "FILL-REFUSED <n> <ERRNO>"
 *   rf-stress spin THREADS SECONDS  burn CPU on THREADS threads for SECONDS of
 *                                wall clock: "CPU <cpu-seconds> WALL <seconds>"
 *   rf-stress crash              die of SIGSEGV (a core dump, if allowed)
 *   rf-stress nproc              this process's RLIMIT_NPROC: "NPROC <soft> <hard>"
 *
 * and attacks on the supervisor and the kernel that need more than one call:
 *   rf-stress connect-race OK BAD SECONDS
 *                                one thread connect()s over and over with a
 *                                sockaddr_un that other threads keep flipping
 *                                between OK (a socket the sandbox may use) and
 *                                BAD (one it may not): the supervisor reads the
 *                                address once and must never end up at BAD.
 *                                "RACE ok=<n> refused=<n> other=<n>"
 *   rf-stress sendto-race OK BAD SECONDS
 *                                the same with addressed sendto() of datagrams
 *                                on an unbound datagram socket:
 *                                "RACE ok=<n> refused=<n> other=<n>"
 *   rf-stress memfd-secret       memfd_secret(2): "ALLOWED" or "DENIED <ERRNO>"
 *   rf-stress pidfd-open PID     pidfd_open(2) on PID: "ALLOWED"/"DENIED <ERRNO>"
 *
 * Output is flushed line by line so that a killed run still shows how far
 * it got. Links nothing of ringfence: it plays the untrusted command. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *errname(int err)
{
	switch (err) {
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EDQUOT: return "EDQUOT";
	case EFBIG: return "EFBIG";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ESRCH: return "ESRCH";
	case ENOSYS: return "ENOSYS";
	default: return strerror(err);
	}
}

static int forkbomb(double seconds)
{
	double until = now() + seconds;
	long n = 0;
	int first_err = 0;
	while (now() < until) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p > 0) {
			n++;
			continue;
		}
		if (!first_err) {
			first_err = errno;
			printf("FORKED %ld %s\n", n, errname(first_err));
			fflush(stdout);
		}
		usleep(1000);
	}
	if (!first_err)
		printf("FORKED %ld none\n", n);
	fflush(stdout);
	return 0;
}

static void *parked(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int threads(double seconds)
{
	double until = now() + seconds;
	long n = 0;
	int first_err = 0;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	while (now() < until) {
		pthread_t t;
		int rc = pthread_create(&t, &attr, parked, NULL);
		if (rc == 0) {
			n++;
			continue;
		}
		if (!first_err) {
			first_err = rc;
			printf("THREADS %ld %s\n", n, errname(rc));
			fflush(stdout);
		}
		usleep(1000);
	}
	if (!first_err)
		printf("THREADS %ld none\n", n);
	fflush(stdout);
	_exit(0);
}

static int hog(long mib)
{
	long held = 0;
	const size_t chunk = 16u << 20;
	for (;;) {
		if (mib && held >= mib)
			break;
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("HOG-REFUSED %ld %s\n", held, errname(errno));
			fflush(stdout);
			return 1;
		}
		memset(p, 0xa5, chunk); /* touched: really in memory */
		held += 16;
		printf("HELD %ld\n", held);
		fflush(stdout);
	}
	printf("HOG-DONE %ld\n", held);
	fflush(stdout);
	return 0;
}

static int fill(const char *path, long mib)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("FILL-REFUSED 0 %s\n", errname(errno));
		return 1;
	}
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	long n = 0;
	while (!mib || n < mib) {
		size_t off = 0;
		while (off < sizeof buf) {
			ssize_t w = write(fd, buf + off, sizeof buf - off);
			if (w < 0) {
				printf("FILL-REFUSED %ld %s\n", n, errname(errno));
				fflush(stdout);
				close(fd);
				return 1;
			}
			off += (size_t)w;
		}
		n++;
	}
	close(fd);
	printf("FILLED %ld\n", n);
	return 0;
}

static double spin_until;

static volatile unsigned long spin_sink; /* keeps the loop from being optimised away */

static void *spinner(void *arg)
{
	(void)arg;
	while (now() < spin_until)
		for (int i = 0; i < 100000; i++)
			spin_sink += (unsigned long)i;
	return NULL;
}

static int spin(int nthreads, double seconds)
{
	double t0 = now();
	spin_until = t0 + seconds;
	pthread_t t[64];
	if (nthreads < 1 || nthreads > 64)
		nthreads = 1;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec / 1e6;
	printf("CPU %.2f WALL %.2f\n", cpu, now() - t0);
	return 0;
}

static struct sockaddr_un race_addr;
static char race_paths[2][sizeof race_addr.sun_path];
static volatile int race_stop;

/* Flip the address between the two paths: mostly whole copies (so that
 * each value is really seen, and the supervisor's check really tested),
 * every fourth one byte by byte (so that torn mixes are seen too), with
 * short pauses in between. */
static void *flipper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !race_stop; i++) {
		const char *src = race_paths[i & 1];
		if (i % 4 == 3)
			for (size_t k = 0; k < sizeof race_addr.sun_path; k++)
				((volatile char *)race_addr.sun_path)[k] = src[k];
		else
			memcpy(race_addr.sun_path, src, sizeof race_addr.sun_path);
		for (volatile int spin = 0; spin < 20000; spin++)
			;
	}
	return NULL;
}

static int other_err;

static int connect_race(const char *ok, const char *bad, double seconds)
{
	race_addr.sun_family = AF_UNIX;
	snprintf(race_paths[0], sizeof race_paths[0], "%s", ok);
	snprintf(race_paths[1], sizeof race_paths[1], "%s", bad);
	memcpy(race_addr.sun_path, race_paths[0], sizeof race_addr.sun_path);
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	long n_ok = 0, n_refused = 0, n_other = 0;
	double until = now() + seconds;
	while (now() < until) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&race_addr, sizeof race_addr) == 0)
			n_ok++;
		else if (errno == EACCES || errno == EPERM)
			n_refused++;
		else {
			n_other++;
			other_err = errno;
		}
		close(fd);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("RACE ok=%ld refused=%ld other=%ld (%s)\n", n_ok, n_refused, n_other, other_err ? errname(other_err) : "-");
	return 0;
}

static int sendto_race(const char *ok, const char *bad, double seconds)
{
	race_addr.sun_family = AF_UNIX;
	snprintf(race_paths[0], sizeof race_paths[0], "%s", ok);
	snprintf(race_paths[1], sizeof race_paths[1], "%s", bad);
	memcpy(race_addr.sun_path, race_paths[0], sizeof race_addr.sun_path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	long n_ok = 0, n_refused = 0, n_other = 0;
	double until = now() + seconds;
	while (now() < until) {
		if (sendto(fd, "RACE-DATAGRAM", 13, MSG_DONTWAIT, (struct sockaddr *)&race_addr, sizeof race_addr) == 13)
			n_ok++;
		else if (errno == EACCES || errno == EPERM)
			n_refused++;
		else {
			n_other++;
			other_err = errno;
		}
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("RACE ok=%ld refused=%ld other=%ld (%s)\n", n_ok, n_refused, n_other, other_err ? errname(other_err) : "-");
	return 0;
}

static int verdict(long rc)
{
	if (rc >= 0) {
		printf("ALLOWED %ld\n", rc);
		return 0;
	}
	printf("DENIED %s\n", errname(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rf-stress forkbomb|threads|hog|fill|spin|crash|nproc ARGS (see rf-stress.c)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *a = argv[1];
	if (!strcmp(a, "forkbomb") && argc == 3)
		return forkbomb(atof(argv[2]));
	if (!strcmp(a, "threads") && argc == 3)
		return threads(atof(argv[2]));
	if (!strcmp(a, "hog") && argc == 3)
		return hog(atol(argv[2]));
	if (!strcmp(a, "fill") && argc == 4)
		return fill(argv[2], atol(argv[3]));
	if (!strcmp(a, "spin") && argc == 4)
		return spin(atoi(argv[2]), atof(argv[3]));
	if (!strcmp(a, "crash")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		return 1;
	}
	if (!strcmp(a, "nproc")) {
		struct rlimit rl;
		getrlimit(RLIMIT_NPROC, &rl);
		printf("NPROC %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
		return 0;
	}
	if (!strcmp(a, "connect-race") && argc == 5)
		return connect_race(argv[2], argv[3], atof(argv[4]));
	if (!strcmp(a, "sendto-race") && argc == 5)
		return sendto_race(argv[2], argv[3], atof(argv[4]));
	if (!strcmp(a, "memfd-secret"))
		return verdict(syscall(447 /* memfd_secret, x86_64 */, 0));
	if (!strcmp(a, "pidfd-open") && argc == 3)
		return verdict(syscall(434 /* pidfd_open */, atoi(argv[2]), 0));
	fprintf(stderr, "rf-stress: unknown action or arguments: %s\n", a);
	return 2;
}
