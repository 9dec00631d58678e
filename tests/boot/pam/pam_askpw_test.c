/*
 * A PAM session module for askpw's boot test: when its session opens it asks
 * two questions through the application's conversation function, one
 * PAM_PROMPT_ECHO_OFF and one PAM_PROMPT_ECHO_ON, and writes the answers to
 * the file named by its argument (mode 0600) for the service to check.
 * Under systemd 258+ with PAMName=, the conversation is systemd's own, which
 * forwards each question to the ask-password agents.
 *
 * Build: cc -shared -fPIC -o pam_askpw_test.so pam_askpw_test.c -lpam
 */
#include <fcntl.h>
#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ask(pam_handle_t *pamh, int style, const char *text, char **answer) {
    const struct pam_conv *conv = NULL;
    int r = pam_get_item(pamh, PAM_CONV, (const void **) &conv);
    if (r != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
        return PAM_CONV_ERR;
    struct pam_message message = { .msg_style = style, .msg = text };
    const struct pam_message *messages[1] = { &message };
    struct pam_response *responses = NULL;
    r = conv->conv(1, messages, &responses, conv->appdata_ptr);
    if (r != PAM_SUCCESS || responses == NULL || responses[0].resp == NULL) {
        free(responses);
        return r == PAM_SUCCESS ? PAM_CONV_ERR : r;
    }
    *answer = responses[0].resp;
    free(responses);
    return PAM_SUCCESS;
}

static void put(int fd, const char *text) {
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n <= 0)
            return;
        text += n;
        left -= (size_t) n;
    }
}

static void wipe_and_free(char *text) {
    if (text == NULL)
        return;
    memset(text, 0, strlen(text));
    free(text);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    (void) flags;
    if (argc < 1)
        return PAM_SESSION_ERR;
    char *secret = NULL, *name = NULL;
    int r = ask(pamh, PAM_PROMPT_ECHO_OFF, "askpw PAM test secret:", &secret);
    if (r == PAM_SUCCESS)
        r = ask(pamh, PAM_PROMPT_ECHO_ON, "askpw PAM test name:", &name);
    if (r == PAM_SUCCESS) {
        int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            r = PAM_SESSION_ERR;
        } else {
            put(fd, "secret=");
            put(fd, secret);
            put(fd, "\nname=");
            put(fd, name);
            put(fd, "\n");
            close(fd);
        }
    }
    wipe_and_free(secret);
    wipe_and_free(name);
    return r == PAM_SUCCESS ? PAM_SUCCESS : PAM_SESSION_ERR;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    (void) pamh;
    (void) flags;
    (void) argc;
    (void) argv;
    return PAM_SUCCESS;
}
