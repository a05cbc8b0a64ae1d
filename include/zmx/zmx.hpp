#pragma once
// zmx — the C++ API in one include.
#include <zmx/context.hpp>
#include <zmx/error.hpp>
#include <zmx/message.hpp>
#include <zmx/options.hpp>
#include <zmx/proxy.hpp>
#include <zmx/socket.hpp>
