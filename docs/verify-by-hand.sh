#!/usr/bin/env bash
# Verify a cpas-sdk e-Box export package, or one ASiC-E container, with Debian tools only:
# coreutils (sha256sum, base64), unzip/zipinfo, xmlsec1, xmlstarlet, openssl, libxml2-utils.
# Nothing here runs cpas-sdk code: it is the independent check of what the SDK wrote.
#
#   docs/verify-by-hand.sh -t ROOT.pem [-s SCHEMA_DIR] [-u INTERMEDIATE.pem] [-a "YYYY-MM-DD HH:MM:SS"] \
#       PACKAGE.zip | PACKAGE_DIR | CONTAINER.asice
#
#   -t  trust anchor (PEM): the only certificate trusted (never the system store)
#   -s  folder with the exported XSDs (`cpas schemas export DIR`); each business XML file
#       is validated with xmllint --nonet against the schema named by its namespace
#   -u  extra intermediate certificates (PEM), if KeyInfo does not carry them
#   -a  check the certificate chains at this UTC time (xmlsec1 --verification-gmt-time)
#
# Checks, in order (design: docs/signing.md, shared/signing.md sections 5 and 7):
#   package:   sha256sum -c SHA256SUMS; every file listed; each attachment's base64url
#              SHA-256 appears in message.json
#   container: no unsafe entry name; 'mimetype' first, stored, right content
#   signature: every ds:Reference URI is '#id' or a data file of the container (never a URL
#              or another local path); xmlsec1 --verify --enabled-key-data x509
#              --enabled-reference-uris same-doc,remote from the unzipped container root,
#              one --url-map per data reference (xmlsec1 1.2.x counts a relative URI such
#              as 'convention.xml' as "remote" and only file:// as "local": "local" is left
#              out, and the check above keeps every other "remote" URI away from xmlsec1);
#              the signer certificate (first X509Certificate) is the one named by
#              SigningCertificateV2; every business file is covered by
#              every signature, every data file by at least one
#   policy:    the roles a subsidy convention or a PIIS needs are claimed by its signatures
#   schema:    xmllint --noout --nonet --schema for each business XML file (with -s)
# Exit status: 0 all checks passed, 1 a check failed, 2 wrong usage or a tool is missing.
set -euo pipefail
export LC_ALL=C

usage() { sed -n '6,14p' "$0" >&2; exit 2; }

trust="" schemas="" untrusted="" at=""
while getopts "t:s:u:a:h" option; do
  case "$option" in
    t) trust=$(readlink -f -- "$OPTARG") ;;
    s) schemas=$(readlink -f -- "$OPTARG") ;;
    u) untrusted=$(readlink -f -- "$OPTARG") ;;
    a) at="$OPTARG" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [ -n "$trust" ] && [ -r "$trust" ] || usage
input=$(readlink -f -- "$1")
[ -e "$input" ] || { echo "no such file: $1" >&2; exit 2; }
for tool in sha256sum base64 unzip zipinfo xmlsec1 xmlstarlet openssl xmllint; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

DS=http://www.w3.org/2000/09/xmldsig#
XADES=http://uri.etsi.org/01903/v1.3.2#
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { printf '  ok    %s\n' "$*"; }
bad() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }

# Refuse entry names that could land outside the extraction folder, and symlinks.
safe_zip() {
  local zip=$1 name
  while IFS= read -r name; do
    case "$name" in
      /*|*\\*|../*|*/../*|*/..|..) bad "$(basename "$zip"): unsafe entry name '$name'"; return 1 ;;
    esac
  done < <(zipinfo -1 "$zip")
  if grep -q '^l' <<<"$(zipinfo "$zip" | sed -n '3,$p')"; then
    bad "$(basename "$zip"): holds a symbolic link"; return 1
  fi
}

# safe_references ROOT SIGNATURE DATA_FILE...: every ds:Reference URI is '#id' or one of
# the DATA_FILEs, present under ROOT; 'u:' marks each value so a missing URI shows too.
safe_references() {
  local root=$1 sig=$2 uri listed status=0
  shift 2
  listed=$(printf '%s\n' "$@")
  while IFS= read -r uri; do
    [ -n "$uri" ] || continue
    uri=${uri#u:}
    case "$uri" in
      \#?*) continue ;;
      ''|/*|*\\*|*:*|../*|*/../*|*/..|..|./*|*/./*)
        bad "$sig: Reference URI '$uri' is not a data file of the container"; status=1; continue ;;
    esac
    if ! grep -qxF -- "$uri" <<<"$listed" || [ ! -f "$root/$uri" ] || [ -L "$root/$uri" ]; then
      bad "$sig: Reference URI '$uri' is not a data file of the container"; status=1
    fi
  done < <(xmlstarlet sel -N "ds=$DS" -t -m '//ds:Reference' -v 'concat("u:", @URI)' -n \
             "$root/$sig")
  return $status
}

check_container() {
  local asice=$1 label=$2 root first sig uri uris file kind roles role when need
  echo "container $label"
  safe_zip "$asice" || return 0
  first=$(zipinfo "$asice" | sed -n 3p)
  if [[ "$first" == *" stor "* && "$first" == *" mimetype" ]]; then
    ok "first entry: mimetype, stored"
  else
    bad "first entry is not a stored 'mimetype': $first"
  fi
  if [ "$(unzip -p "$asice" mimetype)" = "application/vnd.etsi.asic-e+zip" ]; then
    ok "mimetype: application/vnd.etsi.asic-e+zip"
  else
    bad "mimetype content is not application/vnd.etsi.asic-e+zip"
  fi
  root="$work/$label.root"
  mkdir -p "$root"
  unzip -q "$asice" -d "$root"
  local signatures=() data=() covered=""
  while IFS= read -r file; do
    case "$file" in
      mimetype|META-INF/*) ;;
      *) data+=("$file") ;;
    esac
  done < <(zipinfo -1 "$asice" | grep -v '/$')
  while IFS= read -r file; do signatures+=("$file"); done \
    < <(zipinfo -1 "$asice" | grep -E '^META-INF/signatures[0-9]+\.xml$' | sort -V)
  [ ${#signatures[@]} -gt 0 ] || { bad "no META-INF/signaturesN.xml"; return 0; }
  roles=""
  for sig in "${signatures[@]}"; do
    # Data references: the ds:Reference elements without a Type (the other one is the
    # SignedProperties reference, resolved inside the file by its Id).
    uris=()
    while IFS= read -r uri; do [ -n "$uri" ] && uris+=("$uri"); done < <(
      xmlstarlet sel -N "ds=$DS" -t -m '/*/ds:Signature/ds:SignedInfo/ds:Reference[not(@Type)]' \
        -v @URI -n "$root/$sig")
    # Every Reference anywhere in the file must point inside this document (#Id) or to
    # one of the container's unzipped data files (relative, no '..', present): never to
    # the network or to another local file. Checked before xmlsec1 may open anything.
    if ! safe_references "$root" "$sig" "${data[@]}"; then
      bad "$sig: not given to xmlsec1 (a Reference points outside the container)"
      continue
    fi
    local command=(xmlsec1 --verify --enabled-key-data x509 --trusted-pem "$trust"
                   --enabled-reference-uris same-doc,remote
                   --id-attr:Id "$XADES:SignedProperties")
    [ -n "$untrusted" ] && command+=(--untrusted-pem "$untrusted")
    [ -n "$at" ] && command+=(--verification-gmt-time "$at")
    for uri in "${uris[@]}"; do command+=("--url-map:$uri" "$uri"); done
    command+=("$sig")
    if (cd "$root" && "${command[@]}") >"$work/xmlsec1.log" 2>&1; then
      ok "$sig: xmlsec1 verified (${#uris[@]} data reference(s) + signed properties)"
    else
      bad "$sig: xmlsec1 refused it: $(grep -m1 -iE 'fail|error' "$work/xmlsec1.log" || true)"
    fi
    # SigningCertificateV2 names the signer certificate (the first X509Certificate).
    local named actual method
    method=$(xmlstarlet sel -N "xades=$XADES" -N "ds=$DS" -t -v \
      '//xades:SigningCertificateV2/xades:Cert[1]/xades:CertDigest/ds:DigestMethod/@Algorithm' \
      "$root/$sig" || true)
    named=$(xmlstarlet sel -N "xades=$XADES" -N "ds=$DS" -t -v \
      '//xades:SigningCertificateV2/xades:Cert[1]/xades:CertDigest/ds:DigestValue' "$root/$sig" \
      || true)
    actual=$(xmlstarlet sel -N "ds=$DS" -t -v '(//ds:KeyInfo//ds:X509Certificate)[1]' \
      "$root/$sig" | tr -d ' \n\r\t' | base64 -d | openssl dgst -sha256 -binary | base64 \
      || true)
    if [ "$method" = "http://www.w3.org/2001/04/xmlenc#sha256" ] && [ -n "$named" ] \
        && [ "$(echo "$named" | tr -d ' \n\r\t')" = "$actual" ]; then
      ok "$sig: SigningCertificateV2 names the signer certificate"
    else
      bad "$sig: SigningCertificateV2 does not name the signer certificate"
    fi
    for file in "${data[@]}"; do
      if grep -qxF -- "$file" <<<"$(printf '%s\n' "${uris[@]}")"; then
        covered+="$file"$'\n'
      elif [[ "$file" != endorsements/* ]]; then
        bad "$sig does not cover $file"
      fi
    done
    role=$(xmlstarlet sel -N "xades=$XADES" -t \
      -v '//xades:SignerRoleV2/xades:ClaimedRoles/xades:ClaimedRole' "$root/$sig" || true)
    when=$(xmlstarlet sel -N "xades=$XADES" -t -v '//xades:SigningTime' "$root/$sig" || true)
    echo "        role: ${role:-none}; signing time (claimed): ${when:-none}"
    roles+="$role"$'\n'
  done
  for file in "${data[@]}"; do
    grep -qxF -- "$file" <<<"$covered" || bad "$file is covered by no signature"
  done
  # Business XML: kind from the root namespace, then the policy's roles and the schema.
  for file in "${data[@]}"; do
    [[ "$file" == *.xml && "$file" != endorsements/* ]] || continue
    kind=$(xmlstarlet sel -t -v 'namespace-uri(/*)' "$root/$file" || true)
    case "$kind" in
      urn:be:cpas-sdk:subsidy:*) need="president directeur_general minister" ;;
      urn:be:cpas-sdk:piis:*) need="beneficiary president directeur_general" ;;
      *) need="" ;;
    esac
    for role in $need; do
      if grep -qxF -- "$role" <<<"$roles"; then ok "$file: signed as $role"
      else bad "$file: no signature as $role (required for ${kind})"; fi
    done
    if [ -n "$schemas" ]; then
      local xsd="${kind#urn:be:cpas-sdk:}"
      xsd="$schemas/${xsd%%:*}-${xsd##*:}.xsd"
      if [[ "$kind" != urn:be:cpas-sdk:* ]] || [ ! -r "$xsd" ]; then
        bad "$file: no exported schema for namespace '$kind'"
      elif xmllint --noout --nonet --schema "$xsd" "$root/$file" 2>"$work/xmllint.log"; then
        ok "$file: valid for $(basename "$xsd")"
      else
        bad "$file: not valid for $(basename "$xsd"): $(head -n1 "$work/xmllint.log")"
      fi
    fi
  done
}

check_package() {
  local root=$1 name digest line part listed
  echo "package $(basename "$input")"
  for name in message.json export.json SHA256SUMS; do
    [ -f "$root/$name" ] || bad "$name is missing"
  done
  [ -f "$root/SHA256SUMS" ] || return 0
  if (cd "$root" && sha256sum --check --strict --quiet SHA256SUMS) >"$work/sums.log" 2>&1; then
    ok "sha256sum -c SHA256SUMS"
  else
    bad "sha256sum -c SHA256SUMS: $(head -n1 "$work/sums.log")"
  fi
  # (no 'producer | grep -q' pipes: with pipefail, grep's early exit can fail the producer)
  listed=$(cut -c67- "$root/SHA256SUMS")
  while IFS= read -r name; do
    [ "$name" = SHA256SUMS ] && continue
    grep -qxF -- "$name" <<<"$listed" || bad "$name is not listed in SHA256SUMS"
  done < <(cd "$root" && find . -type f -o -type l | sed 's|^\./||' | sort)
  local containers=()
  for part in "$root"/attachments/upfile*/*; do
    [ -e "$part" ] || continue
    [ -L "$part" ] && { bad "${part#"$root"/} is a symbolic link"; continue; }
    digest=$(openssl dgst -sha256 -binary "$part" | base64 | tr '+/' '-_')
    line="\"digestValue\": \"$digest\""
    if grep -qF -- "$line" "$root/message.json" || grep -qF -- "${line%=\"}\"" "$root/message.json"; then
      ok "${part#"$root"/}: base64url SHA-256 matches message.json"
    else
      bad "${part#"$root"/}: its SHA-256 (base64url $digest) is not in message.json"
    fi
    [[ "$part" == *.asice ]] && containers+=("$part")
  done
  [ ${#containers[@]} -gt 0 ] || bad "no .asice attachment"
  local index=0
  for part in "${containers[@]}"; do
    index=$((index + 1))
    check_container "$part" "attachment$index"
  done
}

case "$input" in
  *.asice) check_container "$input" container ;;
  *)
    if [ -d "$input" ]; then
      check_package "$input"
    else
      safe_zip "$input" && {
        mkdir "$work/package"
        unzip -q "$input" -d "$work/package"
        check_package "$work/package"
      }
    fi ;;
esac

if [ "$failures" -eq 0 ]; then
  echo "all checks passed"
  exit 0
fi
echo "$failures check(s) failed"
exit 1
