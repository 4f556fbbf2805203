// The one translation unit that compiles Asio's and Beast's sources. Every other file of the
// simulator (and its tests) includes their headers with BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION defined, so the heavy implementation is built once: the CI
// machine has two cores.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
