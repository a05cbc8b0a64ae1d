/* zmq_utils.h — kept so that old programs which include it still build.

   libzmq deprecated this header in 4.x: the helpers it once declared (zmq_stopwatch_*, zmq_sleep,
   zmq_threadstart, zmq_threadclose) are declared by zmq.h, and libzmq 4.3.4's zmq_utils.h declares
   nothing itself. zmx's version includes zmq.h, so code written for either era finds them, and
   unlike libzmq's it prints no deprecation note at compile time. */
#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#include <zmq.h>

#endif /* __ZMQ_UTILS_H_INCLUDED__ */
