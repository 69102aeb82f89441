# Guest test "net_tcp": TCP both ways with L1's busybox httpd on
# zapotec.peer (default 172.16.0.1) port 8080, through busybox nc (busybox
# wget crashes on our machines, docs/lab.md):
#  - L1 -> L2: GET /net_tcp.bin; reports get_bytes (of the body) and get_md5;
#  - L2 -> L1: POSTs zapotec.size (default 1 MiB) random bytes to
#    /cgi-bin/upload; reports put_bytes, put_md5 and L1's reply (put_reply).
# nc half-closes when its stdin ends and then reads the reply to its end.
# shellcheck shell=dash
peer=$(cmdline_value zapotec.peer || echo 172.16.0.1)
size=$(cmdline_value zapotec.size || echo 1048576)
if net_setup; then
    # Wait for the link: the first packet to L1 also resolves ARP.
    ping -c 1 -W 10 "${peer}" >/dev/null 2>&1
    printf 'GET /net_tcp.bin HTTP/1.0\r\n\r\n' | timeout 60 nc "${peer}" 8080 >/tmp/get.resp 2>/tmp/get.err
    echo "GUEST-RESULT get_status=$(head -n 1 /tmp/get.resp | tr -d '\r')"
    length=$(head -n 20 /tmp/get.resp | tr -d '\r' | sed -n 's/^Content-Length: *//p')
    total=$(wc -c </tmp/get.resp)
    # The body is the last Content-Length bytes of the response.
    echo "GUEST-RESULT get_length=${length}"
    echo "GUEST-RESULT get_total=${total}"
    echo "GUEST-RESULT get_md5=$(tail -c "${length:-0}" /tmp/get.resp | md5sum | cut -d' ' -f1)"

    head -c "${size}" /dev/urandom >/tmp/put.bin
    echo "GUEST-RESULT put_bytes=$(wc -c </tmp/put.bin)"
    echo "GUEST-RESULT put_md5=$(md5sum </tmp/put.bin | cut -d' ' -f1)"
    {
        printf 'POST /cgi-bin/upload HTTP/1.0\r\nContent-Length: %s\r\n\r\n' "${size}"
        cat /tmp/put.bin
    } | timeout 60 nc "${peer}" 8080 >/tmp/put.resp 2>/tmp/put.err
    echo "GUEST-RESULT put_reply=$(tr -d '\r' </tmp/put.resp | tail -n 1)"
fi
echo "GUEST-RESULT done=net_tcp"
drain_console
poweroff -f
