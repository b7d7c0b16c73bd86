#pragma once
namespace cc::ctl {
int runCtl(int argc, char** argv);
}
