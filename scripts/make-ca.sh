#!/usr/bin/env bash
# make-ca.sh DIR REGION... : a private certificate authority and one certificate per region, for CalmDB's TLS.
#
#   scripts/make-ca.sh /etc/calmdb/tls virginia frankfurt tokyo
#
# writes DIR/ca.crt and DIR/ca.key (keep ca.key offline once the certificates are made), and for each region
# DIR/REGION.crt and DIR/REGION.key (PKCS#8, as Netty reads it). Each certificate names its region in the
# subject's CN and as a DNS subject alternative name, plus localhost and 127.0.0.1 for tests on one machine.
# Existing files are kept, so running it again for a new region reuses the CA. Needs openssl.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR REGION..." >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-ca.sh: openssl is not installed (apt-get install openssl)" >&2; exit 1; }
dir=$1; shift
mkdir -p "$dir"
umask 077
DAYS=${CALMDB_CERT_DAYS:-825}
if [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days "$DAYS" \
    -subj "/CN=CalmDB private CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
for region in "$@"; do
  [[ "$region" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-ca.sh: '$region' is not a region id" >&2; exit 2; }
  [ -f "$dir/$region.crt" ] && continue
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/$region.key.tmp" -out "$dir/$region.csr" \
    -subj "/CN=$region" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' "$region" \
    > "$dir/$region.ext"
  openssl x509 -req -in "$dir/$region.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -out "$dir/$region.crt" -days "$DAYS" -extfile "$dir/$region.ext" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$dir/$region.key.tmp" -out "$dir/$region.key"
  rm -f "$dir/$region.key.tmp" "$dir/$region.csr" "$dir/$region.ext"
done
chmod 644 "$dir"/*.crt
echo "make-ca.sh: CA and certificates for $* in $dir"
