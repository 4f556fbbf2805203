#include <openssl/evp.h>

#include "storage/records.hpp"

namespace escrowd::storage {

api_key_hash hash_api_key_secret(std::string_view secret) {
  api_key_hash digest{};
  unsigned int length = 0;
  // EVP_Digest cannot fail for SHA-256 on valid input short of memory exhaustion; a zero
  // digest then matches no stored key, which fails closed.
  if (EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    digest.fill(0);
  return digest;
}

}  // namespace escrowd::storage
