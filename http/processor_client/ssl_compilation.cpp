// Asio's OpenSSL layer, compiled once for the project (BOOST_ASIO_SEPARATE_COMPILATION
// leaves it out of every includer). It lives here, not in escrowd_asio, because only the
// processor client speaks TLS: the server and the simulator do not link OpenSSL's libssl.
// If another target ever needs TLS, move this line into http/beast_compilation.cpp and
// link OpenSSL::SSL there instead; two copies in one binary would collide.
#include <boost/asio/ssl/impl/src.hpp>
