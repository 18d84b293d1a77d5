/* A real mosquitto broker on 127.0.0.1 and a free port for the emotionpublish tests, and a
 * libmosquitto subscriber that records what arrives. The broker dies with the test process
 * (PR_SET_PDEATHSIG) even when an assertion ends it early; every wait has a time limit. */
#pragma once

#include <gst/check/gstcheck.h>

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mqtt_test {

inline int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fail_unless(bind(fd, (sockaddr*)&addr, sizeof(addr)) == 0);
    socklen_t len = sizeof(addr);
    getsockname(fd, (sockaddr*)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool open = connect(fd, (sockaddr*)&addr, sizeof(addr)) == 0;
    close(fd);
    return open;
}

/* Polls `done` every 10 ms for up to `seconds`; true once it holds. */
template <typename F> bool wait_until(F done, double seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

inline std::string mosquitto_program() {
    for (const char* path : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"})
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) return path;
    gchar* found = g_find_program_in_path("mosquitto");
    std::string out = found ? found : "";
    g_free(found);
    fail_if(out.empty(), "the mosquitto broker is not installed (run.sh installs the Debian package)");
    return out;
}

static void die_with_parent(gpointer) { prctl(PR_SET_PDEATHSIG, SIGKILL); }

class Broker {
public:
    /* `users`: "name:password" logins (none: anonymous access); `persistent`: keeps sessions in a
     * database written on SIGUSR1 (save()) and read when the broker (re)starts. */
    explicit Broker(std::vector<std::string> users = {}, bool persistent = false, bool tls = false)
        : port_(free_port()), tls_port_(tls ? free_port() : 0) {
        gchar* d = g_dir_make_tmp("gst-emotion-mqtt-XXXXXX", NULL);
        dir_ = d;
        g_free(d);
        std::ofstream conf(dir_ + "/mosquitto.conf");
        conf << "listener " << port_ << " 127.0.0.1\n";
        if (geteuid() == 0) conf << "user root\n"; /* else it drops to "mosquitto", who cannot read dir_ */
        if (users.empty()) {
            conf << "allow_anonymous true\n";
        } else {
            conf << "allow_anonymous false\npassword_file " << dir_ << "/passwords\n";
            for (size_t i = 0; i < users.size(); i++) add_user(users[i], i == 0);
        }
        if (persistent)
            conf << "persistence true\npersistence_location " << dir_ << "/\nautosave_interval 3600\n"
                 << "max_queued_messages 10000\n";
        conf << "log_dest file " << dir_ << "/broker.log\n";
        if (tls) {
            make_certificates();
            conf << "listener " << tls_port_ << " 127.0.0.1\ncafile " << ca_file() << "\ncertfile " << dir_
                 << "/server.crt\nkeyfile " << dir_ << "/server.key\n";
        }
    }
    ~Broker() {
        stop();
        for (const char* name : {"mosquitto.conf", "passwords", "mosquitto.db", "broker.log", "ca.crt",
                                 "ca.key", "ca.srl", "server.crt", "server.key", "server.csr", "san.cnf"})
            g_unlink((dir_ + "/" + name).c_str());
        g_rmdir(dir_.c_str());
    }

    int port() const { return port_; }
    /* The TLS listener (tls brokers only) and the CA that signed its certificate. */
    int tls_port() const { return tls_port_; }
    std::string ca_file() const { return dir_ + "/ca.crt"; }
    std::string url(const std::string& topic) const {
        return "mqtt://127.0.0.1:" + std::to_string(port_) + "/" + topic;
    }

    void start() {
        std::string program = mosquitto_program(), conf = dir_ + "/mosquitto.conf";
        const gchar* argv[] = {program.c_str(), "-c", conf.c_str(), NULL};
        GError* error = NULL;
        fail_unless(g_spawn_async(NULL, (gchar**)argv, NULL,
                                  (GSpawnFlags)(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                                G_SPAWN_STDERR_TO_DEV_NULL),
                                  die_with_parent, NULL, &pid_, &error),
                    "cannot start mosquitto: %s", error ? error->message : "");
        fail_unless(wait_until([this] { return port_open(port_); }, 10), "mosquitto did not listen on %d",
                    port_);
    }
    void kill_hard() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, NULL, 0);
        pid_ = 0;
    }
    void stop() { kill_hard(); }
    /* Freezes the broker (SIGSTOP): connections stay up, nothing is acknowledged. */
    void freeze() { kill(pid_, SIGSTOP); }
    /* Writes the session database now (mosquitto's SIGUSR1) and waits until it is on disk. */
    void save() {
        std::string db = dir_ + "/mosquitto.db";
        g_unlink(db.c_str());
        kill(pid_, SIGUSR1);
        fail_unless(wait_until([&] { return g_file_test(db.c_str(), G_FILE_TEST_EXISTS); }, 10),
                    "mosquitto wrote no database");
    }

private:
    /* A test CA and a certificate for 127.0.0.1 signed by it (openssl). */
    void make_certificates() {
        std::ofstream(dir_ + "/san.cnf") << "subjectAltName=IP:127.0.0.1\n";
        std::string d = dir_;
        run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out",
             d + "/ca.crt", "-subj", "/CN=gst-emotion test CA", "-days", "2"});
        run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/server.key", "-out",
             d + "/server.csr", "-subj", "/CN=127.0.0.1"});
        run({"openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-out", d + "/server.crt", "-days", "2", "-extfile",
             d + "/san.cnf"});
    }
    static void run(const std::vector<std::string>& args) {
        std::vector<const gchar*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        argv.push_back(NULL);
        gint status = -1;
        fail_unless(g_spawn_sync(NULL, (gchar**)argv.data(), NULL,
                                 (GSpawnFlags)(G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                               G_SPAWN_STDERR_TO_DEV_NULL),
                                 NULL, NULL, NULL, NULL, &status, NULL) &&
                        status == 0,
                    "%s failed (run.sh installs it)", args[0].c_str());
    }

    void add_user(const std::string& login, bool create) {
        size_t colon = login.find(':');
        std::string file = dir_ + "/passwords", name = login.substr(0, colon),
                    password = login.substr(colon + 1);
        std::vector<const gchar*> argv = {"mosquitto_passwd", "-b"};
        if (create) argv.push_back("-c");
        argv.insert(argv.end(), {file.c_str(), name.c_str(), password.c_str(), NULL});
        gint status = -1;
        fail_unless(g_spawn_sync(NULL, (gchar**)argv.data(), NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                 NULL, &status, NULL) &&
                        status == 0,
                    "mosquitto_passwd failed");
    }

    int port_, tls_port_;
    std::string dir_;
    GPid pid_ = 0;
};

/* Subscribes to one topic with QoS 1 and records the payloads in arrival order. With a fixed
 * client id and clean_session false, the broker keeps its subscription and queues its messages
 * while it is away. Reconnects by itself (libmosquitto's network thread). */
class Subscriber {
public:
    Subscriber(int port, const std::string& topic, const std::string& client_id = "") : topic_(topic) {
        mosquitto_lib_init(); /* never cleaned up: the element under test shares the library */
        bool persistent = !client_id.empty();
        mosq_ = mosquitto_new(persistent ? client_id.c_str() : NULL, !persistent, this);
        mosquitto_connect_callback_set(mosq_, on_connect);
        mosquitto_subscribe_callback_set(mosq_, on_subscribe);
        mosquitto_message_callback_set(mosq_, on_message);
        mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
        fail_unless_equals_int(mosquitto_connect(mosq_, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
        fail_unless_equals_int(mosquitto_loop_start(mosq_), MOSQ_ERR_SUCCESS);
        fail_unless(wait_for_subscription(10), "no SUBACK");
    }
    ~Subscriber() {
        mosquitto_disconnect(mosq_);
        mosquitto_loop_stop(mosq_, false);
        mosquitto_destroy(mosq_);
    }

    bool wait_for_subscription(double seconds) {
        return wait_until([this] { return subscribed(); }, seconds);
    }
    bool subscribed() {
        std::lock_guard<std::mutex> lock(lock_);
        return subscribed_;
    }
    /* Waits up to `seconds` for at least `n` messages; returns all received. */
    std::vector<std::string> wait_for(size_t n, double seconds) {
        wait_until([&] { return messages().size() >= n; }, seconds);
        return messages();
    }
    std::vector<std::string> messages() {
        std::lock_guard<std::mutex> lock(lock_);
        return messages_;
    }

private:
    static void on_connect(struct mosquitto* mosq, void* data, int rc) {
        auto* self = static_cast<Subscriber*>(data);
        if (rc == 0) mosquitto_subscribe(mosq, NULL, self->topic_.c_str(), 1);
    }
    static void on_subscribe(struct mosquitto*, void* data, int, int, const int*) {
        auto* self = static_cast<Subscriber*>(data);
        std::lock_guard<std::mutex> lock(self->lock_);
        self->subscribed_ = true;
    }
    static void on_message(struct mosquitto*, void* data, const struct mosquitto_message* m) {
        auto* self = static_cast<Subscriber*>(data);
        std::lock_guard<std::mutex> lock(self->lock_);
        self->messages_.emplace_back((const char*)m->payload, m->payloadlen);
    }

    std::string topic_;
    struct mosquitto* mosq_;
    std::mutex lock_;
    bool subscribed_ = false;
    std::vector<std::string> messages_;
};

} // namespace mqtt_test
