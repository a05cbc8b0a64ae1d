/* zmq.h — libzmq's C API as zmx provides it.

   Every name, number and signature here is libzmq 4.3.x's, so programs and bindings written for
   libzmq compile against this header and link against libzmx unchanged. The draft API (thread-safe
   socket types, zmq_poller, routing ids, ...) is visible when ZMQ_BUILD_DRAFT_API is defined, the
   same switch libzmq uses. zmx's own additions live in <zmx.h>, never here.

   Where zmx follows libzmq 4.3.5 rather than 4.3.4 (both are 4.3.x), the line says so. */
#ifndef __ZMQ_H_INCLUDED__
#define __ZMQ_H_INCLUDED__

/* ---- Version ---------------------------------------------------------------------------------- */

/* zmx speaks the 4.3.x API. */
#define ZMQ_VERSION_MAJOR 4
#define ZMQ_VERSION_MINOR 3
#define ZMQ_VERSION_PATCH 4

#define ZMQ_MAKE_VERSION(major, minor, patch) ((major)*10000 + (minor)*100 + (patch))
#define ZMQ_VERSION ZMQ_MAKE_VERSION(ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH)

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Symbols of the shared library are exported with default visibility. */
#if defined _WIN32
#if defined ZMQ_STATIC
#define ZMQ_EXPORT
#elif defined DLL_EXPORT
#define ZMQ_EXPORT __declspec(dllexport)
#else
#define ZMQ_EXPORT __declspec(dllimport)
#endif
#elif (defined __GNUC__ && __GNUC__ >= 4) || defined __clang__ || defined __INTEL_COMPILER
#define ZMQ_EXPORT __attribute__((visibility("default")))
#else
#define ZMQ_EXPORT
#endif

/* Tells users that <stdint.h> types are available through this header. */
#define ZMQ_DEFINED_STDINT 1

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ----------------------------------------------------------------------------------- */

/* Base of the error numbers zmq defines itself; far above any system's errno range. */
#define ZMQ_HAUSNUMERO 156384712

/* POSIX error numbers that some platforms (the Windows CRT) lack. Where <errno.h> has them, as on
   every POSIX system, the system's values are used and these lines define nothing. */
#ifndef ENOTSUP
#define ENOTSUP (ZMQ_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (ZMQ_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (ZMQ_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (ZMQ_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (ZMQ_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (ZMQ_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (ZMQ_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (ZMQ_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (ZMQ_HAUSNUMERO + 9)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (ZMQ_HAUSNUMERO + 10)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (ZMQ_HAUSNUMERO + 11)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (ZMQ_HAUSNUMERO + 12)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (ZMQ_HAUSNUMERO + 13)
#endif
#ifndef ECONNRESET
#define ECONNRESET (ZMQ_HAUSNUMERO + 14)
#endif
#ifndef ENOTCONN
#define ENOTCONN (ZMQ_HAUSNUMERO + 15)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (ZMQ_HAUSNUMERO + 16)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (ZMQ_HAUSNUMERO + 17)
#endif
#ifndef ENETRESET
#define ENETRESET (ZMQ_HAUSNUMERO + 18)
#endif

/* Errors that only zmq has. */
#define EFSM (ZMQ_HAUSNUMERO + 51)           /* the socket's state machine forbids this call now */
#define ENOCOMPATPROTO (ZMQ_HAUSNUMERO + 52) /* transport does not fit the socket type */
#define ETERM (ZMQ_HAUSNUMERO + 53)          /* the context was terminated */
#define EMTHREAD (ZMQ_HAUSNUMERO + 54)       /* no I/O thread available */

/* errno as the library last set it in this thread. */
ZMQ_EXPORT int zmq_errno(void);
/* Message text for a system or zmq error number; never NULL. */
ZMQ_EXPORT const char* zmq_strerror(int errnum_);
/* Version of the library at run time. */
ZMQ_EXPORT void zmq_version(int* major_, int* minor_, int* patch_);

/* ---- Contexts --------------------------------------------------------------------------------- */

/* zmq_ctx_set / zmq_ctx_get options. */
#define ZMQ_IO_THREADS 1
#define ZMQ_MAX_SOCKETS 2
#define ZMQ_SOCKET_LIMIT 3    /* get */
#define ZMQ_THREAD_PRIORITY 3 /* set: same number as ZMQ_SOCKET_LIMIT */
#define ZMQ_THREAD_SCHED_POLICY 4
#define ZMQ_MAX_MSGSZ 5
#define ZMQ_MSG_T_SIZE 6
#define ZMQ_THREAD_AFFINITY_CPU_ADD 7
#define ZMQ_THREAD_AFFINITY_CPU_REMOVE 8
#define ZMQ_THREAD_NAME_PREFIX 9

/* Their defaults. */
#define ZMQ_IO_THREADS_DFLT 1
#define ZMQ_MAX_SOCKETS_DFLT 1023
#define ZMQ_THREAD_PRIORITY_DFLT -1
#define ZMQ_THREAD_SCHED_POLICY_DFLT -1

ZMQ_EXPORT void* zmq_ctx_new(void);
ZMQ_EXPORT int zmq_ctx_term(void* context_);
ZMQ_EXPORT int zmq_ctx_shutdown(void* context_);
ZMQ_EXPORT int zmq_ctx_set(void* context_, int option_, int optval_);
ZMQ_EXPORT int zmq_ctx_get(void* context_, int option_);

/* Older spellings of the above. */
ZMQ_EXPORT void* zmq_init(int io_threads_);
ZMQ_EXPORT int zmq_term(void* context_);
ZMQ_EXPORT int zmq_ctx_destroy(void* context_);

/* ---- Messages --------------------------------------------------------------------------------- */

/* An opaque 64-byte message handle. It is aligned to a pointer boundary: some CPUs trap on
   misaligned pointer access, and the library keeps pointers inside. */
typedef struct zmq_msg_t {
#if defined _MSC_VER && (defined _M_X64 || defined _M_ARM64)
    __declspec(align(8)) unsigned char _[64];
#elif defined _MSC_VER && (defined _M_IX86 || defined _M_ARM_ARMV7VE || defined _M_ARM)
    __declspec(align(4)) unsigned char _[64];
#elif defined __GNUC__ || defined __clang__ || defined __INTEL_COMPILER || \
    (defined __SUNPRO_C && __SUNPRO_C >= 0x590) || (defined __SUNPRO_CC && __SUNPRO_CC >= 0x590)
    unsigned char _[64] __attribute__((aligned(sizeof(void*))));
#else
    unsigned char _[64];
#endif
} zmq_msg_t;

/* Releases a buffer handed to zmq_msg_init_data once the last message referring to it is gone. */
typedef void(zmq_free_fn)(void* data_, void* hint_);

ZMQ_EXPORT int zmq_msg_init(zmq_msg_t* msg_);
ZMQ_EXPORT int zmq_msg_init_size(zmq_msg_t* msg_, size_t size_);
ZMQ_EXPORT int zmq_msg_init_data(zmq_msg_t* msg_, void* data_, size_t size_, zmq_free_fn* ffn_, void* hint_);
ZMQ_EXPORT int zmq_msg_send(zmq_msg_t* msg_, void* s_, int flags_);
ZMQ_EXPORT int zmq_msg_recv(zmq_msg_t* msg_, void* s_, int flags_);
ZMQ_EXPORT int zmq_msg_close(zmq_msg_t* msg_);
ZMQ_EXPORT int zmq_msg_move(zmq_msg_t* dest_, zmq_msg_t* src_);
ZMQ_EXPORT int zmq_msg_copy(zmq_msg_t* dest_, zmq_msg_t* src_);
ZMQ_EXPORT void* zmq_msg_data(zmq_msg_t* msg_);
ZMQ_EXPORT size_t zmq_msg_size(const zmq_msg_t* msg_);
ZMQ_EXPORT int zmq_msg_more(const zmq_msg_t* msg_);
ZMQ_EXPORT int zmq_msg_get(const zmq_msg_t* msg_, int property_);
ZMQ_EXPORT int zmq_msg_set(zmq_msg_t* msg_, int property_, int optval_);
ZMQ_EXPORT const char* zmq_msg_gets(const zmq_msg_t* msg_, const char* property_);

/* ---- Sockets ---------------------------------------------------------------------------------- */

/* Socket types. */
#define ZMQ_PAIR 0
#define ZMQ_PUB 1
#define ZMQ_SUB 2
#define ZMQ_REQ 3
#define ZMQ_REP 4
#define ZMQ_DEALER 5
#define ZMQ_ROUTER 6
#define ZMQ_PULL 7
#define ZMQ_PUSH 8
#define ZMQ_XPUB 9
#define ZMQ_XSUB 10
#define ZMQ_STREAM 11

/* Old names of two socket types. */
#define ZMQ_XREQ ZMQ_DEALER
#define ZMQ_XREP ZMQ_ROUTER

/* Socket options (zmq_setsockopt / zmq_getsockopt). Numbers 1-3, 10, 20, 26, 29, 30, 67, 82 and 83
   are retired and never reused. */
#define ZMQ_AFFINITY 4
#define ZMQ_ROUTING_ID 5
#define ZMQ_SUBSCRIBE 6
#define ZMQ_UNSUBSCRIBE 7
#define ZMQ_RATE 8
#define ZMQ_RECOVERY_IVL 9
#define ZMQ_SNDBUF 11
#define ZMQ_RCVBUF 12
#define ZMQ_RCVMORE 13
#define ZMQ_FD 14
#define ZMQ_EVENTS 15
#define ZMQ_TYPE 16
#define ZMQ_LINGER 17
#define ZMQ_RECONNECT_IVL 18
#define ZMQ_BACKLOG 19
#define ZMQ_RECONNECT_IVL_MAX 21
#define ZMQ_MAXMSGSIZE 22
#define ZMQ_SNDHWM 23
#define ZMQ_RCVHWM 24
#define ZMQ_MULTICAST_HOPS 25
#define ZMQ_RCVTIMEO 27
#define ZMQ_SNDTIMEO 28
#define ZMQ_LAST_ENDPOINT 32
#define ZMQ_ROUTER_MANDATORY 33
#define ZMQ_TCP_KEEPALIVE 34
#define ZMQ_TCP_KEEPALIVE_CNT 35
#define ZMQ_TCP_KEEPALIVE_IDLE 36
#define ZMQ_TCP_KEEPALIVE_INTVL 37
#define ZMQ_IMMEDIATE 39
#define ZMQ_XPUB_VERBOSE 40
#define ZMQ_ROUTER_RAW 41
#define ZMQ_IPV6 42
#define ZMQ_MECHANISM 43
#define ZMQ_PLAIN_SERVER 44
#define ZMQ_PLAIN_USERNAME 45
#define ZMQ_PLAIN_PASSWORD 46
#define ZMQ_CURVE_SERVER 47
#define ZMQ_CURVE_PUBLICKEY 48
#define ZMQ_CURVE_SECRETKEY 49
#define ZMQ_CURVE_SERVERKEY 50
#define ZMQ_PROBE_ROUTER 51
#define ZMQ_REQ_CORRELATE 52
#define ZMQ_REQ_RELAXED 53
#define ZMQ_CONFLATE 54
#define ZMQ_ZAP_DOMAIN 55
#define ZMQ_ROUTER_HANDOVER 56
#define ZMQ_TOS 57
#define ZMQ_CONNECT_ROUTING_ID 61
#define ZMQ_GSSAPI_SERVER 62
#define ZMQ_GSSAPI_PRINCIPAL 63
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL 64
#define ZMQ_GSSAPI_PLAINTEXT 65
#define ZMQ_HANDSHAKE_IVL 66
#define ZMQ_SOCKS_PROXY 68
#define ZMQ_XPUB_NODROP 69
#define ZMQ_BLOCKY 70
#define ZMQ_XPUB_MANUAL 71
#define ZMQ_XPUB_WELCOME_MSG 72
#define ZMQ_STREAM_NOTIFY 73
#define ZMQ_INVERT_MATCHING 74
#define ZMQ_HEARTBEAT_IVL 75
#define ZMQ_HEARTBEAT_TTL 76
#define ZMQ_HEARTBEAT_TIMEOUT 77
#define ZMQ_XPUB_VERBOSER 78
#define ZMQ_CONNECT_TIMEOUT 79
#define ZMQ_TCP_MAXRT 80
#define ZMQ_THREAD_SAFE 81
#define ZMQ_MULTICAST_MAXTPDU 84
#define ZMQ_VMCI_BUFFER_SIZE 85
#define ZMQ_VMCI_BUFFER_MIN_SIZE 86
#define ZMQ_VMCI_BUFFER_MAX_SIZE 87
#define ZMQ_VMCI_CONNECT_TIMEOUT 88
#define ZMQ_USE_FD 89
#define ZMQ_GSSAPI_PRINCIPAL_NAMETYPE 90
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE 91
#define ZMQ_BINDTODEVICE 92

/* Message properties (zmq_msg_get). */
#define ZMQ_MORE 1
#define ZMQ_SHARED 3

/* Flags of the send and receive calls. */
#define ZMQ_DONTWAIT 1
#define ZMQ_SNDMORE 2

/* Security mechanisms (ZMQ_MECHANISM). */
#define ZMQ_NULL 0
#define ZMQ_PLAIN 1
#define ZMQ_CURVE 2
#define ZMQ_GSSAPI 3

/* Longest RADIO/DISH group name, in bytes. */
#define ZMQ_GROUP_MAX_LENGTH 255

/* Deprecated option names and numbers, kept for old code. */
#define ZMQ_IDENTITY ZMQ_ROUTING_ID
#define ZMQ_CONNECT_RID ZMQ_CONNECT_ROUTING_ID
#define ZMQ_TCP_ACCEPT_FILTER 38
#define ZMQ_IPC_FILTER_PID 58
#define ZMQ_IPC_FILTER_UID 59
#define ZMQ_IPC_FILTER_GID 60
#define ZMQ_IPV4ONLY 31
#define ZMQ_DELAY_ATTACH_ON_CONNECT ZMQ_IMMEDIATE
#define ZMQ_NOBLOCK ZMQ_DONTWAIT
#define ZMQ_FAIL_UNROUTABLE ZMQ_ROUTER_MANDATORY
#define ZMQ_ROUTER_BEHAVIOR ZMQ_ROUTER_MANDATORY

/* Deprecated message property: the file descriptor the message arrived on. */
#define ZMQ_SRCFD 2

/* GSSAPI principal name types (ZMQ_GSSAPI_*PRINCIPAL_NAMETYPE). */
#define ZMQ_GSSAPI_NT_HOSTBASED 0
#define ZMQ_GSSAPI_NT_USER_NAME 1
#define ZMQ_GSSAPI_NT_KRB5_PRINCIPAL 2

/* ---- Monitoring ------------------------------------------------------------------------------- */

/* Events a monitor reports; zmq_socket_monitor takes a mask of them. */
#define ZMQ_EVENT_CONNECTED 0x0001
#define ZMQ_EVENT_CONNECT_DELAYED 0x0002
#define ZMQ_EVENT_CONNECT_RETRIED 0x0004
#define ZMQ_EVENT_LISTENING 0x0008
#define ZMQ_EVENT_BIND_FAILED 0x0010
#define ZMQ_EVENT_ACCEPTED 0x0020
#define ZMQ_EVENT_ACCEPT_FAILED 0x0040
#define ZMQ_EVENT_CLOSED 0x0080
#define ZMQ_EVENT_CLOSE_FAILED 0x0100
#define ZMQ_EVENT_DISCONNECTED 0x0200
#define ZMQ_EVENT_MONITOR_STOPPED 0x0400
#define ZMQ_EVENT_ALL 0xFFFF
/* The handshake failed for a system reason; value: errno. */
#define ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL 0x0800
/* The handshake (and authentication, if any) completed; value: unused. */
#define ZMQ_EVENT_HANDSHAKE_SUCCEEDED 0x1000
/* The peer or the ZAP handler broke the protocol; value: a ZMQ_PROTOCOL_ERROR_* code. */
#define ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL 0x2000
/* Authentication refused; value: the ZAP status code (300, 400 or 500). */
#define ZMQ_EVENT_HANDSHAKE_FAILED_AUTH 0x4000

/* Values of ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL. */
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED 0x10000000
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND 0x10000001
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE 0x10000002
#define ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE 0x10000003
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED 0x10000011
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE 0x10000012
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO 0x10000013
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE 0x10000014
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR 0x10000015
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY 0x10000016
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME 0x10000017
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA 0x10000018
/* These two usually mean the peers are configured differently. */
#define ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC 0x11000001
#define ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH 0x11000002
#define ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED 0x20000000
#define ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY 0x20000001
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID 0x20000002
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION 0x20000003
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE 0x20000004
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA 0x20000005
#define ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED 0x30000000

ZMQ_EXPORT void* zmq_socket(void*, int type_);
ZMQ_EXPORT int zmq_close(void* s_);
ZMQ_EXPORT int zmq_setsockopt(void* s_, int option_, const void* optval_, size_t optvallen_);
ZMQ_EXPORT int zmq_getsockopt(void* s_, int option_, void* optval_, size_t* optvallen_);
ZMQ_EXPORT int zmq_bind(void* s_, const char* addr_);
ZMQ_EXPORT int zmq_connect(void* s_, const char* addr_);
ZMQ_EXPORT int zmq_unbind(void* s_, const char* addr_);
ZMQ_EXPORT int zmq_disconnect(void* s_, const char* addr_);
ZMQ_EXPORT int zmq_send(void* s_, const void* buf_, size_t len_, int flags_);
ZMQ_EXPORT int zmq_send_const(void* s_, const void* buf_, size_t len_, int flags_);
ZMQ_EXPORT int zmq_recv(void* s_, void* buf_, size_t len_, int flags_);
ZMQ_EXPORT int zmq_socket_monitor(void* s_, const char* addr_, int events_);

/* ---- Polling ---------------------------------------------------------------------------------- */

/* A native socket handle: an int on POSIX, a SOCKET on Windows. */
#if defined _WIN32
#if defined _WIN64
typedef unsigned __int64 zmq_fd_t;
#else
typedef unsigned int zmq_fd_t;
#endif
#else
typedef int zmq_fd_t;
#endif

/* Event bits of zmq_poll, zmq_poller and ZMQ_EVENTS. */
#define ZMQ_POLLIN 1
#define ZMQ_POLLOUT 2
#define ZMQ_POLLERR 4
#define ZMQ_POLLPRI 8

/* One entry of zmq_poll: a zmq socket, or (socket NULL) a native fd. */
typedef struct zmq_pollitem_t {
    void* socket;
    zmq_fd_t fd;
    short events;
    short revents;
} zmq_pollitem_t;

#define ZMQ_POLLITEMS_DFLT 16

ZMQ_EXPORT int zmq_poll(zmq_pollitem_t* items_, int nitems_, long timeout_);

/* ---- Proxies ---------------------------------------------------------------------------------- */

ZMQ_EXPORT int zmq_proxy(void* frontend_, void* backend_, void* capture_);
ZMQ_EXPORT int zmq_proxy_steerable(void* frontend_, void* backend_, void* capture_, void* control_);

/* ---- Capabilities ----------------------------------------------------------------------------- */

/* zmq_has exists (it came after zmq 4.0). */
#define ZMQ_HAS_CAPABILITIES 1
/* 1 if the library was built with the named transport or mechanism ("ipc", "curve", ...), else 0. */
ZMQ_EXPORT int zmq_has(const char* capability_);

/* zmq_device types: old names for what zmq_proxy does. */
#define ZMQ_STREAMER 1
#define ZMQ_FORWARDER 2
#define ZMQ_QUEUE 3

/* Deprecated calls. */
ZMQ_EXPORT int zmq_device(int type_, void* frontend_, void* backend_);
ZMQ_EXPORT int zmq_sendmsg(void* s_, zmq_msg_t* msg_, int flags_);
ZMQ_EXPORT int zmq_recvmsg(void* s_, zmq_msg_t* msg_, int flags_);
struct iovec;
ZMQ_EXPORT int zmq_sendiov(void* s_, struct iovec* iov_, size_t count_, int flags_);
ZMQ_EXPORT int zmq_recviov(void* s_, struct iovec* iov_, size_t* count_, int flags_);

/* ---- Z85 and CURVE keys ----------------------------------------------------------------------- */

/* Writes size_ bytes (a multiple of 4) as Z85 text into dest_ (size_ * 5 / 4 + 1 bytes, with the
   NUL). Returns dest_, or NULL if size_ is not a multiple of 4. */
ZMQ_EXPORT char* zmq_z85_encode(char* dest_, const uint8_t* data_, size_t size_);
/* Decodes Z85 text (length a multiple of 5) into dest_ (length * 4 / 5 bytes). Returns dest_, or
   NULL (errno EINVAL) if the text is not valid Z85. */
ZMQ_EXPORT uint8_t* zmq_z85_decode(uint8_t* dest_, const char* string_);
/* Makes a new CURVE key pair; both keys as 40-character Z85 text (41 bytes with the NUL).
   Returns 0, or -1 with errno ENOTSUP when built without CURVE. */
ZMQ_EXPORT int zmq_curve_keypair(char* z85_public_key_, char* z85_secret_key_);
/* Derives the Z85 public key from a Z85 secret key. Returns 0, or -1 with errno. */
ZMQ_EXPORT int zmq_curve_public(char* z85_public_key_, const char* z85_secret_key_);

/* ---- Atomic counters -------------------------------------------------------------------------- */

ZMQ_EXPORT void* zmq_atomic_counter_new(void);
ZMQ_EXPORT void zmq_atomic_counter_set(void* counter_, int value_);
ZMQ_EXPORT int zmq_atomic_counter_inc(void* counter_); /* returns the value before */
ZMQ_EXPORT int zmq_atomic_counter_dec(void* counter_); /* returns 1 if still above zero, else 0 */
ZMQ_EXPORT int zmq_atomic_counter_value(void* counter_);
ZMQ_EXPORT void zmq_atomic_counter_destroy(void** counter_p_);

/* ---- Timers ----------------------------------------------------------------------------------- */

#define ZMQ_HAVE_TIMERS

typedef void(zmq_timer_fn)(int timer_id, void* arg);

ZMQ_EXPORT void* zmq_timers_new(void);
ZMQ_EXPORT int zmq_timers_destroy(void** timers_p);
ZMQ_EXPORT int zmq_timers_add(void* timers, size_t interval, zmq_timer_fn handler, void* arg);
ZMQ_EXPORT int zmq_timers_cancel(void* timers, int timer_id);
ZMQ_EXPORT int zmq_timers_set_interval(void* timers, int timer_id, size_t interval);
ZMQ_EXPORT int zmq_timers_reset(void* timers, int timer_id);
ZMQ_EXPORT long zmq_timers_timeout(void* timers);
ZMQ_EXPORT int zmq_timers_execute(void* timers);

/* ---- Undocumented helpers (libzmq's perf tools use them) -------------------------------------- */

/* A stopwatch: start returns a handle; intermediate reads the microseconds since start; stop
   reads them and frees the handle. */
ZMQ_EXPORT void* zmq_stopwatch_start(void);
ZMQ_EXPORT unsigned long zmq_stopwatch_intermediate(void* watch_);
ZMQ_EXPORT unsigned long zmq_stopwatch_stop(void* watch_);

/* Sleeps for whole seconds. */
ZMQ_EXPORT void zmq_sleep(int seconds_);

typedef void(zmq_thread_fn)(void*);

/* Runs func_(arg_) on a new thread; zmq_threadclose joins it and frees the handle. */
ZMQ_EXPORT void* zmq_threadstart(zmq_thread_fn* func_, void* arg_);
ZMQ_EXPORT void zmq_threadclose(void* thread_);

/* ---- Draft API -------------------------------------------------------------------------------- */
/* libzmq calls these unstable and hides them unless ZMQ_BUILD_DRAFT_API is defined; so does zmx. */

#ifdef ZMQ_BUILD_DRAFT_API

/* Draft socket types (thread-safe, single-part). */
#define ZMQ_SERVER 12
#define ZMQ_CLIENT 13
#define ZMQ_RADIO 14
#define ZMQ_DISH 15
#define ZMQ_GATHER 16
#define ZMQ_SCATTER 17
#define ZMQ_DGRAM 18
#define ZMQ_PEER 19
#define ZMQ_CHANNEL 20

/* Draft socket options. */
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#define ZMQ_LOOPBACK_FASTPATH 94
#define ZMQ_METADATA 95
#define ZMQ_MULTICAST_LOOP 96
#define ZMQ_ROUTER_NOTIFY 97
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#define ZMQ_SOCKS_USERNAME 99
#define ZMQ_SOCKS_PASSWORD 100
#define ZMQ_IN_BATCH_SIZE 101
#define ZMQ_OUT_BATCH_SIZE 102
#define ZMQ_WSS_KEY_PEM 103
#define ZMQ_WSS_CERT_PEM 104
#define ZMQ_WSS_TRUST_PEM 105
#define ZMQ_WSS_HOSTNAME 106
#define ZMQ_WSS_TRUST_SYSTEM 107
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#define ZMQ_RECONNECT_STOP 109
#define ZMQ_HELLO_MSG 110
#define ZMQ_DISCONNECT_MSG 111
#define ZMQ_PRIORITY 112
/* Draft socket options that first appeared in libzmq 4.3.5. */
#define ZMQ_BUSY_POLL 113
#define ZMQ_HICCUP_MSG 114
#define ZMQ_XSUB_VERBOSE_UNSUBSCRIBE 115
#define ZMQ_TOPICS_COUNT 116

/* Bits of ZMQ_RECONNECT_STOP. */
#define ZMQ_RECONNECT_STOP_CONN_REFUSED 0x1
#define ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED 0x2
/* libzmq 4.3.4 gave this bit the value 0x3, which overlaps the two above; 4.3.5 corrected it to
   0x4, and zmx follows 4.3.5. */
#define ZMQ_RECONNECT_STOP_AFTER_DISCONNECT 0x4

/* Draft context option. */
#define ZMQ_ZERO_COPY_RECV 10

/* Context options whose values are not ints (e.g. ZMQ_THREAD_NAME_PREFIX as a string). */
ZMQ_EXPORT int zmq_ctx_set_ext(void* context_, int option_, const void* optval_, size_t optvallen_);
ZMQ_EXPORT int zmq_ctx_get_ext(void* context_, int option_, void* optval_, size_t* optvallen_);

/* RADIO/DISH groups; PEER connections. */
ZMQ_EXPORT int zmq_join(void* s, const char* group);
ZMQ_EXPORT int zmq_leave(void* s, const char* group);
/* Connects a PEER socket and returns the routing id of the new peer, or 0 with errno. */
ZMQ_EXPORT uint32_t zmq_connect_peer(void* s_, const char* addr_);
/* Drops the PEER connection with this routing id (libzmq has it after 4.3.4). */
ZMQ_EXPORT int zmq_disconnect_peer(void* s_, uint32_t routing_id_);

/* Routing ids and groups of single-part messages. */
ZMQ_EXPORT int zmq_msg_set_routing_id(zmq_msg_t* msg, uint32_t routing_id);
ZMQ_EXPORT uint32_t zmq_msg_routing_id(zmq_msg_t* msg);
ZMQ_EXPORT int zmq_msg_set_group(zmq_msg_t* msg, const char* group);
ZMQ_EXPORT const char* zmq_msg_group(zmq_msg_t* msg);
ZMQ_EXPORT int zmq_msg_init_buffer(zmq_msg_t* msg_, const void* buf_, size_t size_);

/* Names for zmq_msg_gets. */
#define ZMQ_MSG_PROPERTY_ROUTING_ID "Routing-Id"
#define ZMQ_MSG_PROPERTY_SOCKET_TYPE "Socket-Type"
#define ZMQ_MSG_PROPERTY_USER_ID "User-Id"
#define ZMQ_MSG_PROPERTY_PEER_ADDRESS "Peer-Address"

/* Bits of ZMQ_ROUTER_NOTIFY. */
#define ZMQ_NOTIFY_CONNECT 1
#define ZMQ_NOTIFY_DISCONNECT 2

/* The poller: waits on zmq sockets (thread-safe ones included) and native fds. */
#define ZMQ_HAVE_POLLER

typedef struct zmq_poller_event_t {
    void* socket;
    zmq_fd_t fd;
    void* user_data;
    short events;
} zmq_poller_event_t;

ZMQ_EXPORT void* zmq_poller_new(void);
ZMQ_EXPORT int zmq_poller_destroy(void** poller_p);
ZMQ_EXPORT int zmq_poller_size(void* poller);
ZMQ_EXPORT int zmq_poller_add(void* poller, void* socket, void* user_data, short events);
ZMQ_EXPORT int zmq_poller_modify(void* poller, void* socket, short events);
ZMQ_EXPORT int zmq_poller_remove(void* poller, void* socket);
ZMQ_EXPORT int zmq_poller_wait(void* poller, zmq_poller_event_t* event, long timeout);
ZMQ_EXPORT int zmq_poller_wait_all(void* poller, zmq_poller_event_t* events, int n_events, long timeout);
ZMQ_EXPORT int zmq_poller_fd(void* poller, zmq_fd_t* fd);
ZMQ_EXPORT int zmq_poller_add_fd(void* poller, zmq_fd_t fd, void* user_data, short events);
ZMQ_EXPORT int zmq_poller_modify_fd(void* poller, zmq_fd_t fd, short events);
ZMQ_EXPORT int zmq_poller_remove_fd(void* poller, zmq_fd_t fd);

/* ROUTER: whether the peer with this routing id can take a message now. */
ZMQ_EXPORT int zmq_socket_get_peer_state(void* socket, const void* routing_id, size_t routing_id_size);

/* Monitor event of the versioned API: queue sizes of each pipe. */
#define ZMQ_EVENT_PIPES_STATS 0x10000

#define ZMQ_CURRENT_EVENT_VERSION 1
#define ZMQ_CURRENT_EVENT_VERSION_DRAFT 2

#define ZMQ_EVENT_ALL_V1 ZMQ_EVENT_ALL
#define ZMQ_EVENT_ALL_V2 (ZMQ_EVENT_ALL_V1 | ZMQ_EVENT_PIPES_STATS)

ZMQ_EXPORT int zmq_socket_monitor_versioned(void* s_, const char* addr_, uint64_t events_, int event_version_,
                                            int type_);
ZMQ_EXPORT int zmq_socket_monitor_pipes_stats(void* s);

#endif /* ZMQ_BUILD_DRAFT_API */

#ifdef __cplusplus
}
#endif

#undef ZMQ_EXPORT

#endif /* __ZMQ_H_INCLUDED__ */
