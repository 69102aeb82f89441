# Shared helpers for the guest builder (tools/guest/build.sh) and the nested
# lab (tests/lab/*.sh): package installation, kernel download, module
# dependency resolution, initramfs staging. Source it; it defines functions only.
# shellcheck shell=bash

log() { printf '%s: %s\n' "${LOG_TAG:-zapotec}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command as root, through sudo when we are not root.
as_root() {
    if [[ ${EUID} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Installs the Debian packages given that are not installed yet. apt-get update
# runs only when the first install attempt fails (stale or missing lists).
# Other engineers may hold the dpkg lock: wait for it instead of failing.
ensure_pkgs() {
    local missing=() pkg
    for pkg in "$@"; do
        if [[ $(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null) != "install ok installed" ]]; then
            missing+=("${pkg}")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing ${missing[*]}"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600)
    if ! as_root "${apt[@]}" install --no-install-recommends "${missing[@]}" >&2; then
        log "apt-get install failed; running apt-get update and retrying"
        as_root "${apt[@]}" update >&2 || die "apt-get update failed"
        as_root "${apt[@]}" install --no-install-recommends "${missing[@]}" >&2 ||
            die "cannot install ${missing[*]}"
    fi
}

# Prints the name of the concrete kernel package (linux-image-<ver>-cloud-amd64)
# that the metapackage depends on, or ZAPOTEC_KERNEL_PKG when set.
resolve_kernel_pkg() {
    if [[ -n ${ZAPOTEC_KERNEL_PKG:-} ]]; then
        printf '%s\n' "${ZAPOTEC_KERNEL_PKG}"
        return 0
    fi
    local meta=linux-image-cloud-amd64 pkg
    pkg=$(apt-cache depends "${meta}" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }')
    if [[ -z ${pkg} ]]; then
        log "apt-cache does not know ${meta}; running apt-get update"
        as_root apt-get -q -o DPkg::Lock::Timeout=600 update >&2 || die "apt-get update failed"
        pkg=$(apt-cache depends "${meta}" 2>/dev/null |
            awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }')
    fi
    [[ -n ${pkg} ]] || die "cannot resolve the kernel package behind ${meta}"
    printf '%s\n' "${pkg}"
}

# Makes KROOT hold the unpacked cloud kernel package (never installed on the
# host), downloading it into CACHE. Skips everything when KROOT already holds
# the package the metapackage currently depends on. If the download fails,
# runs apt-get update, resolves the package again and retries once. Also runs
# depmod there: Debian ships no modules.dep, it is made on install.
fetch_kernel() {
    local cache=$1 kroot=$2 pkg
    pkg=$(resolve_kernel_pkg)
    if [[ -f ${kroot}/.zapotec-pkg && $(<"${kroot}/.zapotec-pkg") == "${pkg}" ]]; then
        return 0
    fi
    mkdir -p "${cache}"
    local deb
    deb=$(find "${cache}" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
    if [[ -z ${deb} ]]; then
        if ! download_deb "${cache}" "${pkg}"; then
            log "apt-get download failed; running apt-get update and retrying"
            as_root apt-get -q -o DPkg::Lock::Timeout=600 update >&2 || die "apt-get update failed"
            pkg=$(resolve_kernel_pkg)
            download_deb "${cache}" "${pkg}" || die "cannot download ${pkg}"
        fi
        deb=$(find "${cache}" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
    fi
    log "unpacking ${deb##*/}"
    rm -rf "${kroot}"
    mkdir -p "${kroot}"
    dpkg-deb -x "${deb}" "${kroot}"
    local kver
    kver=$(kernel_version "${kroot}")
    depmod -b "${kroot}" "${kver}" || die "depmod failed for ${kver}"
    printf '%s\n' "${pkg}" >"${kroot}/.zapotec-pkg"
}

# apt-get download PKG into DIR.
download_deb() {
    local dir=$1 pkg=$2 sandbox=()
    log "downloading ${pkg}"
    # Running as root, apt would warn that _apt cannot write to DIR.
    [[ ${EUID} -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
    (cd "${dir}" && apt-get -q "${sandbox[@]}" download "${pkg}" >&2)
}

# Prints the kernel release found in an unpacked kernel package.
kernel_version() {
    local kroot=$1 dir
    for dir in "${kroot}"/lib/modules/*/; do
        [[ -d ${dir} ]] || continue
        basename "${dir}"
        return 0
    done
    die "no lib/modules/<version> in ${kroot}"
}

# Resolves module names (dashes and underscores are the same) against the
# kernel's modules.dep and modules.builtin. Prints one line per module to load,
# dependencies first, each once:  load <name> <path relative to lib/modules/KVER>
# and for the rest:               builtin <name>   or   missing <name>
resolve_modules() {
    local kroot=$1 kver=$2
    shift 2
    local moddir=${kroot}/lib/modules/${kver}
    [[ -f ${moddir}/modules.dep ]] || die "no modules.dep in ${moddir}"
    awk -v want="$*" '
        function norm(p,   n) {
            n = p; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
            gsub(/-/, "_", n); return n
        }
        function visit(n,   i, k, d) {
            if (n in done) return
            done[n] = 1
            k = split(deps[n], d, " ")
            for (i = k; i >= 1; i--) visit(norm(d[i]))
            print "load", n, path[n]
        }
        FILENAME ~ /modules\.builtin$/ { builtin[norm($1)] = 1; next }
        {
            sub(/:$/, "", $1); n = norm($1); path[n] = $1; deps[n] = ""
            for (i = 2; i <= NF; i++) deps[n] = deps[n] " " $i
        }
        END {
            k = split(want, w, " ")
            for (i = 1; i <= k; i++) {
                n = w[i]; gsub(/-/, "_", n)
                if (n in path) visit(n)
                else if (n in builtin) print "builtin", n
                else print "missing", n
            }
        }
    ' "${moddir}/modules.builtin" "${moddir}/modules.dep"
}

# Copies the modules named into STAGE/lib/modules/zapotec/ (decompressed, so
# busybox insmod never has to handle .xz or .zst) and writes the load order to
# STAGE/lib/modules/zapotec/load-order (one file name per line). Prints the
# resolution (see resolve_modules) on stdout for the caller's staging report.
stage_modules() {
    local kroot=$1 kver=$2 stage=$3
    shift 3
    local moddir=${kroot}/lib/modules/${kver} dst=${stage}/lib/modules/zapotec
    mkdir -p "${dst}"
    : >"${dst}/load-order"
    local kind name rel out resolution
    resolution=$(resolve_modules "${kroot}" "${kver}" "$@")
    while read -r kind name rel; do
        printf '%s %s%s\n' "${kind}" "${name}" "${rel:+ ${rel}}"
        [[ ${kind} == load ]] || continue
        out=${dst}/${name}.ko
        case ${rel} in
            *.ko) cp "${moddir}/${rel}" "${out}" ;;
            *.ko.xz) xz -dc "${moddir}/${rel}" >"${out}" ;;
            *.ko.zst) zstd -q -dc "${moddir}/${rel}" >"${out}" ;;
            *.ko.gz) gzip -dc "${moddir}/${rel}" >"${out}" ;;
            *) die "unknown module file type: ${rel}" ;;
        esac
        printf '%s.ko\n' "${name}" >>"${dst}/load-order"
    done <<<"${resolution}"
}

# Installs busybox (static) into STAGE with a symlink for every applet, at the
# paths busybox itself lists. Existing files are left alone.
stage_busybox() {
    local stage=$1 bb applet
    bb=$(command -v busybox) || die "busybox not found"
    file_is_static "${bb}" || die "${bb} is not static (install busybox-static)"
    mkdir -p "${stage}"/{bin,sbin,usr/bin,usr/sbin}
    cp "${bb}" "${stage}/bin/busybox"
    while read -r applet; do
        [[ -e ${stage}/${applet} || -L ${stage}/${applet} ]] && continue
        ln -s /bin/busybox "${stage}/${applet}"
    done < <("${bb}" --list-full)
}

file_is_static() {
    ! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

# Makes the usr-merged library layout (lib -> usr/lib, lib64 -> usr/lib64) so
# that the paths ldd prints and glibc's default search paths all exist.
stage_lib_layout() {
    local stage=$1
    mkdir -p "${stage}/usr/lib/x86_64-linux-gnu" "${stage}/usr/lib64"
    [[ -e ${stage}/lib ]] || ln -s usr/lib "${stage}/lib"
    [[ -e ${stage}/lib64 ]] || ln -s usr/lib64 "${stage}/lib64"
}

# Copies one shared library (by its path) into STAGE, keeping its name.
stage_lib() {
    local stage=$1 lib=$2 rel
    rel=${lib#/usr}
    rel=usr${rel}
    [[ -e ${stage}/${rel} ]] && return 0
    mkdir -p "${stage}/$(dirname "${rel}")"
    cp -L "${lib}" "${stage}/${rel}"
}

# Copies an executable to STAGE/DEST with every library ldd lists, plus
# libgcc_s.so.1, which glibc dlopen()s for thread cancellation (LAB.md).
stage_binary() {
    local stage=$1 bin=$2 dest=$3 lib
    [[ -x ${bin} ]] || die "not an executable: ${bin}"
    stage_lib_layout "${stage}"
    mkdir -p "${stage}/$(dirname "${dest}")"
    cp -L "${bin}" "${stage}/${dest}"
    # Debug info only makes the initramfs (and the TCG boot that unpacks it) bigger.
    strip --strip-debug "${stage}/${dest}" 2>/dev/null || true
    file_is_static "${bin}" && return 0
    while read -r lib; do
        stage_lib "${stage}" "${lib}"
    done < <(LC_ALL=C ldd "${bin}" | awk '
        $2 == "=>" && $3 ~ /^\// { print $3 }
        $1 ~ /^\// { print $1 }')
    lib=$(find_libgcc_s) && stage_lib "${stage}" "${lib}"
}

find_libgcc_s() {
    local p
    for p in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
        [[ -e ${p} ]] && { printf '%s\n' "${p}"; return 0; }
    done
    log "warning: libgcc_s.so.1 not found; binaries may abort at thread exit"
    return 1
}

# Packs STAGE into a newc cpio compressed with COMPRESSION (zstd, gzip or none)
# at LEVEL (default 19 for zstd, 9 for gzip).
make_cpio() {
    local stage=$1 out=$2 compression=$3 level=${4:-} tmp=$2.tmp
    (cd "${stage}" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) >"${tmp}.cpio"
    case ${compression} in
        zstd) zstd -q -f -T0 "-${level:-19}" "${tmp}.cpio" -o "${tmp}" && rm -f "${tmp}.cpio" ;;
        gzip) gzip -n "-${level:-9}" -c "${tmp}.cpio" >"${tmp}" && rm -f "${tmp}.cpio" ;;
        none) mv "${tmp}.cpio" "${tmp}" ;;
        *) die "unknown compression ${compression}" ;;
    esac
    mv "${tmp}" "${out}"
}

# Picks the initramfs compression the kernel can decompress: zstd, else gzip.
initrd_compression() {
    local config=$1
    if grep -qx 'CONFIG_RD_ZSTD=y' "${config}"; then
        echo zstd
    elif grep -qx 'CONFIG_RD_GZIP=y' "${config}"; then
        echo gzip
    else
        echo none
    fi
}

# Makes /dev/console in STAGE when we can (root); init scripts reopen the
# console after mounting devtmpfs anyway, so this is only a nicety.
stage_console_node() {
    local stage=$1
    mkdir -p "${stage}/dev"
    [[ -e ${stage}/dev/console ]] && return 0
    if [[ ${EUID} -eq 0 ]]; then
        mknod -m 600 "${stage}/dev/console" c 5 1
    fi
}
