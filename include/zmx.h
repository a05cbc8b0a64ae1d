/* zmx.h — zmx's extensions to libzmq's C API (zmq.h): what libzmq has no name for. Every function
   takes a socket as zmq_socket() returns it, sets errno on failure like the zmq_* functions, and is
   thread-safe on thread-safe sockets. See zmx_socket_endpoints(3). */
#ifndef ZMX_H_INCLUDED
#define ZMX_H_INCLUDED

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Socket option (int): failed connection rounds after which a connect endpoint gives up and reports
   ZMX_EVENT_CONNECT_STOPPED; 0 (default) = never. A round is one pass over every address the host
   name resolves to; a round that ends with a completed handshake resets the count. */
#define ZMX_RECONNECT_MAX_ATTEMPTS 0x5A01

/* Monitor event: a connect endpoint gave up for good (ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_IVL -1, a
   protocol error, ZMX_RECONNECT_MAX_ATTEMPTS, or a fatal connect error). Value: the last errno.
   It is the one bit of ZMQ_EVENT_ALL (0xFFFF) that libzmq leaves unused. */
#define ZMX_EVENT_CONNECT_STOPPED 0x8000

/* Where an endpoint stands (zmx_endpoint_status_t.state). */
#define ZMX_ENDPOINT_LISTENING 0   /* bound and accepting */
#define ZMX_ENDPOINT_RESOLVING 1   /* looking up the host name */
#define ZMX_ENDPOINT_CONNECTING 2  /* a connect() to one of the addresses is in progress */
#define ZMX_ENDPOINT_HANDSHAKING 3 /* connected, ZMTP handshake under way */
#define ZMX_ENDPOINT_CONNECTED 4   /* handshake done (inproc: joined to the bound socket) */
#define ZMX_ENDPOINT_WAITING 5     /* waiting to retry, or an inproc name not bound yet */
#define ZMX_ENDPOINT_STOPPED 6     /* gave up; see last_error */

typedef struct zmx_endpoint_status_t {
    char endpoint[512]; /* as given to zmq_connect, or the exact bound endpoint; NUL-terminated */
    int bound;          /* 1: zmq_bind, 0: zmq_connect */
    int state;          /* ZMX_ENDPOINT_* */
    int last_error;     /* errno of the latest failure, 0 if none */
    int attempts;       /* failed connection rounds since the last handshake (connect only) */
} zmx_endpoint_status_t;

/* Fills out[0 .. *count-1] with the socket's endpoints and sets *count to how many it has (call with
   *count = 0 to ask). Returns 0, or -1 with errno: ENOTSOCK (socket is NULL), EFAULT
   (count is NULL, or out is NULL while *count > 0), ETERM (the context was terminated). */
int zmx_socket_endpoints(void *socket, zmx_endpoint_status_t *out, size_t *count);

#ifdef __cplusplus
}
#endif

#endif
