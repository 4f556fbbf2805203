// The one translation unit that compiles Asio and Beast themselves
// (BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION are PUBLIC on
// escrowd_http, so every other includer sees declarations only). Keeping this apart means
// editing a session or listener recompiles only that file, not the libraries (~30 s each on
// a 2-core machine).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
