#!/bin/sh
# A report hook (askpw-e2e-report.sh runs /usr/lib/askpw-e2e/report.d/*):
# what askpw-e2e-varlinkpidfd.sh found, how the test socket's units ended,
# and askpw varlink's log, as E2E-VARLINKPIDFD: lines.
[ -f /run/askpw-e2e-varlinkpidfd.report ] || exit 0
sed 's/^/E2E-VARLINKPIDFD: /' /run/askpw-e2e-varlinkpidfd.report
for unit in askpw-e2e-varlinkpidfd.socket askpw-e2e-varlinkpidfd.service \
    askpw-e2e-varlinkpidfd-caller.service; do
    echo "E2E-VARLINKPIDFD: unit $unit: $(systemctl show -P ActiveState "$unit")/$(systemctl show -P Result "$unit")"
done
journalctl -b -o cat -u askpw-e2e-varlinkpidfd.service | sed 's/^/E2E-VARLINKPIDFD-LOG: /'
