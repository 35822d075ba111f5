// First slice: a Dear ImGui window on WebGL2 (replaced by the chat app).
#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <emscripten.h>

#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

static GLFWwindow* g_window = nullptr;
static int g_frames = 0;
EM_JS(void, bos_boot_done, (), { if (window.BOSBoot) window.BOSBoot.done(); });

static void frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(20, 20), ImGuiCond_Once);
  ImGui::Begin("BuildingOS");
  ImGui::TextUnformatted("Ol\xC3\xA1, morador!");
  ImGui::TextUnformatted(BOS_BUILD_ID);
  ImGui::End();
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(g_window, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.07f, 0.09f, 0.13f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (++g_frames == 2) bos_boot_done();
}

int main() {
  if (!glfwInit()) return 1;
  g_window = glfwCreateWindow(800, 600, "BuildingOS", nullptr, nullptr);
  if (!g_window) return 1;
  glfwMakeContextCurrent(g_window);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  emscripten_set_main_loop(frame, 0, 0);
  return 0;
}
