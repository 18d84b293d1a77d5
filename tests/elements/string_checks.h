/* String assertions for C++ values. GstCheck's fail_unless_equals_string keeps the `const gchar*`
 * it is given and compares after that statement: the c_str() of a temporary std::string (a
 * returned error, a concatenation) is freed by then, so it compared freed memory (ASan:
 * heap-use-after-free) and checked nothing. This one keeps copies. */
#pragma once

#include <string>

#include <gst/check/gstcheck.h>

#define fail_unless_equals_std_string(a, b)                                                                  \
    G_STMT_START {                                                                                           \
        const std::string first_ = (a);                                                                      \
        const std::string second_ = (b);                                                                     \
        fail_unless(first_ == second_, "'%s' (%s) is not equal to '%s' (%s)", #a, first_.c_str(), #b,        \
                    second_.c_str());                                                                        \
    }                                                                                                        \
    G_STMT_END
