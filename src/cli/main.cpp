// zapotec: the command-line entry point.
#include <cstdio>

int main() {
    std::puts("zapotec: not yet");
    return 1;
}
