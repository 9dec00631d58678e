#!/bin/sh
# Runs once the PAM session is open, so once both questions were answered:
# the answers as the module wrote them, the secret only as its SHA-256.
answers=/run/askpw-pam-test.answers
secret=$(sed -n 's/^secret=//p' "$answers")
name=$(sed -n 's/^name=//p' "$answers")
echo "E2E-PAM: secret sha256 $(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)"
echo "E2E-PAM: name $name"
rm -f "$answers"
